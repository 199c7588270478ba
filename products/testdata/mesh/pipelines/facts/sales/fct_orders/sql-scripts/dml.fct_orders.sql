INSERT INTO fct_orders
SELECT order_id, amount, 'OPEN' AS status
FROM src_orders;
