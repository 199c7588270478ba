-- Expect three order lines with resolved keys and the discounted revenue.
WITH expected AS (
  SELECT 'O-1001' AS order_id, 1 AS line_number, 'C-1@20260101000000' AS customer_key, CAST(50.00 AS DECIMAL(12, 2)) AS net_revenue
  UNION ALL SELECT 'O-1001', 2, 'C-1@20260101000000', CAST(108.00 AS DECIMAL(12, 2))
  UNION ALL SELECT 'O-1002', 1, 'C-2@20260115000000', CAST(95.00 AS DECIMAL(12, 2))
)
SELECT
  CASE WHEN COUNT(*) = 3 THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM expected AS e
JOIN saleops_fct_revenue_ut AS f
  ON f.order_id = e.order_id
 AND f.line_number = e.line_number
 AND f.customer_key = e.customer_key
 AND f.net_revenue = e.net_revenue;
