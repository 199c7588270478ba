INSERT INTO v_ledger
SELECT order_id FROM fct_campaign;
