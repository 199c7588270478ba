-- Order lines arrive from the POS and the web shop; a correction re-sends the
-- whole line with a later updated_at. Keep the latest version of each line.
-- updated_at is an event-time column carried in the record (not $rowtime), so
-- the same statement runs on Confluent Cloud and on open-source Flink.
INSERT INTO src_saleops_sales_transactions
WITH ranked_lines AS (
  SELECT
    order_id,
    line_number,
    customer_id,
    product_id,
    UPPER(TRIM(channel)) AS channel,
    store_id,
    quantity,
    unit_price,
    COALESCE(discount_pct, 0) AS discount_pct,
    COALESCE(currency, 'USD') AS currency,
    transaction_ts,
    updated_at,
    ROW_NUMBER() OVER (
      PARTITION BY order_id, line_number
      ORDER BY updated_at DESC
    ) AS row_num
  FROM raw_sales_transactions
  WHERE order_id IS NOT NULL
    AND line_number IS NOT NULL
    /* test orders are flagged by the POS with this note: keep them out */
    AND COALESCE(store_id, '') <> 'TEST-STORE FROM qa JOIN staging'
)
SELECT
  order_id,
  line_number,
  customer_id,
  product_id,
  channel,
  store_id,
  quantity,
  unit_price,
  discount_pct,
  currency,
  transaction_ts,
  updated_at
FROM ranked_lines
WHERE row_num = 1;
