-- Test copy of src_saleops_sales_transactions (from sources/saleops/src_saleops_sales_transactions/sql-scripts/ddl.src_saleops_sales_transactions.sql):
-- the same columns, named src_saleops_sales_transactions_ut so that a test never reads or writes the real table.
-- Point-of-sale and e-commerce order lines, deduplicated: one row per
-- (order_id, line_number), the latest correction wins.
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
) DISTRIBUTED BY HASH(order_id, line_number) INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'kafka.producer.compression.type' = 'snappy',
  'scan.bounded.mode' = 'unbounded',
  'value.fields-include' = 'all'
);
