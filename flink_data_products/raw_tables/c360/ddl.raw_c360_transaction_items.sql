CREATE TABLE IF NOT EXISTS raw_c360_transaction_items (
  item_id STRING,
  transaction_id STRING,
  product_id STRING,
  quantity INT,
  unit_price DECIMAL(10, 2),
  discount_amount DECIMAL(10, 2),
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 6 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
