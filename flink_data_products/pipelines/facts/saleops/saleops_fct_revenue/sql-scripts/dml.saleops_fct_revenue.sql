-- Revenue per order line. Dimension keys are resolved with regular joins so
-- the statement is portable; a line whose customer or product is not known yet
-- gets the key 'unknown' and is corrected (upserted) when the dimension row
-- arrives.
INSERT INTO saleops_fct_revenue
SELECT
  t.order_id,
  t.line_number,
  d.date_key,
  COALESCE(c.customer_key, 'unknown') AS customer_key,
  COALESCE(p.product_key, 'unknown') AS product_key,
  t.channel,
  t.store_id,
  t.quantity,
  t.unit_price,
  t.discount_pct,
  CAST(t.quantity * t.unit_price AS DECIMAL(12, 2)) AS gross_revenue,
  CAST(t.quantity * t.unit_price * (100 - t.discount_pct) / 100 AS DECIMAL(12, 2)) AS net_revenue,
  t.currency,
  t.transaction_ts
FROM src_saleops_sales_transactions AS t
JOIN saleops_dim_time AS d
  ON d.date_key = CAST(DATE_FORMAT(t.transaction_ts, 'yyyyMMdd') AS INT)
-- the customer version that was valid when the line was sold (SCD2 lookup)
LEFT JOIN saleops_dim_customer AS c
  ON c.customer_id = t.customer_id
 AND t.transaction_ts >= c.valid_from
 AND (c.valid_to IS NULL OR t.transaction_ts < c.valid_to)
LEFT JOIN saleops_dim_product AS p
  ON p.product_key = t.product_id
WHERE t.quantity > 0;
