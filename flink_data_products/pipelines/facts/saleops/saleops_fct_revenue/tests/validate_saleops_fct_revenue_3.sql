-- O-3001/1: neither customer C-9 nor product P-99 is known; O-3003/1: C-1's
-- first version starts after the sale. O-3001/2 (quantity 0) and O-3002/1
-- (2026-04-01 is not in the calendar) are left out.
SELECT
  CASE WHEN COUNT(*) = 2
    AND SUM(CASE WHEN order_id = 'O-3001' AND line_number = 1 AND customer_key = 'unknown'
                  AND product_key = 'unknown' AND net_revenue = 30.00 THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN order_id = 'O-3003' AND line_number = 1 AND customer_key = 'unknown'
                  AND product_key = 'P-10' AND date_key = 20251231 AND store_id IS NULL
                  AND gross_revenue = 50.00 AND net_revenue = 25.00 THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM saleops_fct_revenue_ut;
