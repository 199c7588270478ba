-- Test copy: same columns, suffixed _ut so the unit test never touches the real table.
CREATE TABLE IF NOT EXISTS src_saleops_sales_transactions_ut (
  order_id STRING NOT NULL,
  line_number INT NOT NULL,
  customer_id STRING,
  product_id STRING,
  channel STRING,
  store_id STRING,
  quantity INT,
  unit_price DECIMAL(10, 2),
  discount_pct DECIMAL(5, 2),
  currency STRING,
  transaction_ts TIMESTAMP(3),
  updated_at TIMESTAMP(3),
  PRIMARY KEY (order_id, line_number) NOT ENFORCED
) DISTRIBUTED INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0'
);
