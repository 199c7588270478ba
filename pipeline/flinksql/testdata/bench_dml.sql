-- Revenue fact: one row per order line, enriched with the customer, product
-- and calendar dimensions. Late lines are deduplicated on (order_id, line).
INSERT INTO `prod_catalog`.`sales_db`.`saleops_fct_revenue`
WITH latest_lines AS (
  SELECT *
  FROM (
    SELECT
      t.*,
      ROW_NUMBER() OVER (
        PARTITION BY t.order_id, t.line_number
        ORDER BY t.`$rowtime` DESC
      ) AS row_num
    FROM src_saleops_sales_transactions AS t
    WHERE t.status <> 'CANCELLED' -- cancelled lines never reach the fact
      AND t.quantity > 0
  )
  WHERE row_num = 1
),
priced AS (
  /* Net amount after line discount; the discount is a percentage in the
     source system, stored as DECIMAL(5, 2). */
  SELECT
    l.order_id,
    l.line_number,
    l.customer_id,
    l.product_id,
    l.order_ts,
    l.quantity,
    l.unit_price,
    CAST(l.quantity * l.unit_price * (1 - COALESCE(l.discount_pct, 0) / 100) AS DECIMAL(12, 2)) AS net_amount,
    CASE
      WHEN l.channel IN ('web', 'mobile') THEN 'online'
      WHEN l.channel = 'store' THEN 'retail'
      ELSE 'other; see channel map'
    END AS channel_group,
    TRIM(BOTH ' ' FROM l.currency) AS currency,
    EXTRACT(YEAR FROM l.order_ts) * 10000 + EXTRACT(MONTH FROM l.order_ts) * 100 + EXTRACT(DAY FROM l.order_ts) AS date_key
  FROM latest_lines AS l
)
returns_per_line AS (
  -- Returns arrive days later; a window keeps the state bounded.
  SELECT order_id, line_number, window_start, SUM(returned_qty) AS returned_qty, COUNT(*) AS return_events
  FROM TABLE(
    TUMBLE(TABLE src_saleops_returns, DESCRIPTOR(return_ts), INTERVAL '1' DAY)
  )
  GROUP BY order_id, line_number, window_start, window_end
)
SELECT
  p.order_id,
  p.line_number,
  COALESCE(r.returned_qty, 0) AS returned_qty,
  COALESCE(r.return_events, 0) AS return_events,
  c.customer_key,
  pr.product_key,
  d.date_key,
  p.quantity,
  p.unit_price,
  p.net_amount,
  p.net_amount * fx.rate_to_usd AS net_amount_usd,
  p.channel_group,
  c.segment AS customer_segment,
  pr.category_path,
  d.fiscal_quarter,
  p.order_ts
FROM priced AS p
LEFT JOIN saleops_dim_customer FOR SYSTEM_TIME AS OF p.order_ts AS c
  ON c.customer_id = p.customer_id
  AND p.order_ts BETWEEN c.valid_from AND COALESCE(c.valid_to, TIMESTAMP '9999-12-31 00:00:00')
LEFT JOIN saleops_dim_product AS pr
  ON pr.product_key = p.product_id
LEFT JOIN returns_per_line r
  ON r.order_id = p.order_id AND r.line_number = p.line_number
JOIN saleops_dim_time d
  ON d.date_key = p.date_key
LEFT JOIN ref_db.fx_rates FOR SYSTEM_TIME AS OF p.order_ts AS fx
  ON fx.currency = p.currency
WHERE p.customer_id IS NOT NULL
  AND p.currency IS NOT DISTINCT FROM fx.currency
  AND NOT EXISTS (
    SELECT 1 FROM saleops_blocked_orders b
    WHERE b.order_id = p.order_id -- fraud team's block list
  )
  AND p.product_id IN (
    SELECT product_id FROM src_saleops_product_catalog WHERE is_active
    UNION ALL
    SELECT product_id FROM saleops_product_overrides
  );
