CREATE TABLE IF NOT EXISTS src_c360_products (
  product_id STRING NOT NULL,
  product_name STRING,
  category STRING,
  brand STRING,
  unit_cost DECIMAL(10, 2),
  list_price DECIMAL(10, 2),
  updated_at TIMESTAMP(3),
  PRIMARY KEY (product_id) NOT ENFORCED
) DISTRIBUTED BY HASH(product_id) INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
