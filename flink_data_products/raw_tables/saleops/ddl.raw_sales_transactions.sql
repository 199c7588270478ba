-- Raw POS and web-shop order lines as produced by the sales systems (append-only).
CREATE TABLE IF NOT EXISTS raw_sales_transactions (
  order_id STRING,
  line_number INT,
  customer_id STRING,
  product_id STRING,
  channel STRING,
  store_id STRING,
  quantity INT,
  unit_price DECIMAL(10, 2),
  discount_pct DECIMAL(5, 2),
  currency STRING,
  transaction_ts TIMESTAMP(3),
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
