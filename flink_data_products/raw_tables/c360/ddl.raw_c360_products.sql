CREATE TABLE IF NOT EXISTS raw_c360_products (
  product_id STRING,
  product_name STRING,
  category STRING,
  brand STRING,
  unit_cost DECIMAL(10, 2),
  list_price DECIMAL(10, 2),
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
