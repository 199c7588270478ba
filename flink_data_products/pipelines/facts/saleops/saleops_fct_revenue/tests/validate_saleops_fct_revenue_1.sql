-- Three order lines: gross = quantity x unit_price, net = gross x (100 -
-- discount_pct) / 100, with the keys of the day, customer and product.
SELECT
  CASE WHEN COUNT(*) = 3
    AND SUM(net_revenue) = 253.00
    AND SUM(CASE WHEN order_id = 'O-1001' AND line_number = 1 AND date_key = 20260302
                  AND customer_key = 'C-1@20260101000000' AND product_key = 'P-10' AND channel = 'POS'
                  AND store_id = 'S-01' AND gross_revenue = 50.00 AND net_revenue = 50.00 THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN order_id = 'O-1001' AND line_number = 2 AND product_key = 'P-20'
                  AND gross_revenue = 120.00 AND net_revenue = 108.00 AND discount_pct = 10.00 THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN order_id = 'O-1002' AND line_number = 1 AND date_key = 20260307
                  AND customer_key = 'C-2@20260115000000' AND store_id IS NULL
                  AND gross_revenue = 100.00 AND net_revenue = 95.00 AND currency = 'USD'
                  AND transaction_ts = TIMESTAMP '2026-03-07 18:40:00' THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM saleops_fct_revenue_ut;
