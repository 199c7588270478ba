CREATE TABLE IF NOT EXISTS src_c360_transaction_items (
  item_id STRING NOT NULL,
  transaction_id STRING NOT NULL,
  product_id STRING,
  quantity INT,
  unit_price DECIMAL(10, 2),
  discount_amount DECIMAL(10, 2),
  updated_at TIMESTAMP(3),
  PRIMARY KEY (item_id) NOT ENFORCED
) DISTRIBUTED BY HASH(item_id) INTO 6 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
