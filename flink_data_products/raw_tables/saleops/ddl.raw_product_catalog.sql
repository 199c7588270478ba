-- Raw merchandising catalog: a product is re-published on every change (append-only).
CREATE TABLE IF NOT EXISTS raw_product_catalog (
  product_id STRING,
  sku STRING,
  product_name STRING,
  category STRING,
  subcategory STRING,
  brand STRING,
  list_price DECIMAL(10, 2),
  is_active BOOLEAN,
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
