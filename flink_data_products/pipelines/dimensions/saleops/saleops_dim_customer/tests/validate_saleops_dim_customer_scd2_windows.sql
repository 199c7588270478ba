-- Four versions, keyed <customer_id>@<yyyyMMddHHmmss>; each window ends where
-- the next version of the same customer starts; one current row per customer.
SELECT
  CASE WHEN COUNT(*) = 4
    AND SUM(CASE WHEN customer_key = 'C-1@20260101000000' AND customer_id = 'C-1' AND city = 'Portland'
                  AND valid_from = TIMESTAMP '2026-01-01 00:00:00' AND valid_to = TIMESTAMP '2026-02-10 12:30:00'
                  AND NOT is_current THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN customer_key = 'C-1@20260210123000' AND city = 'Seattle' AND segment = 'RETAIL'
                  AND valid_from = TIMESTAMP '2026-02-10 12:30:00' AND valid_to = TIMESTAMP '2026-03-05 00:00:00'
                  AND NOT is_current THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN customer_key = 'C-1@20260305000000' AND segment = 'WHOLESALE'
                  AND valid_from = TIMESTAMP '2026-03-05 00:00:00' AND valid_to IS NULL
                  AND is_current THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN customer_key = 'C-2@20260115000000' AND customer_name = 'Alan Turing' AND region = 'EAST'
                  AND valid_to IS NULL AND is_current THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM saleops_dim_customer_ut;
