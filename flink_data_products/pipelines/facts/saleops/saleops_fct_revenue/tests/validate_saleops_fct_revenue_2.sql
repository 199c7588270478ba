-- The sale before 2026-03-05 keeps the retail version; the sale at the
-- boundary and the later one get the wholesale version.
SELECT
  CASE WHEN COUNT(*) = 3
    AND SUM(CASE WHEN order_id = 'O-2001' AND customer_key = 'C-1@20260101000000' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN order_id = 'O-2002' AND customer_key = 'C-1@20260305000000' AND date_key = 20260305 THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN order_id = 'O-2003' AND customer_key = 'C-1@20260305000000' AND product_key = 'P-20' THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM saleops_fct_revenue_ut;
