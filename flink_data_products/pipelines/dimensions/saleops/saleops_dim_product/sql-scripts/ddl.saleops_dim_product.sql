CREATE TABLE IF NOT EXISTS saleops_dim_product (
  product_key STRING NOT NULL,
  sku STRING,
  product_name STRING,
  category STRING,
  subcategory STRING,
  category_path STRING,
  brand STRING,
  list_price DECIMAL(10, 2),
  price_band STRING,
  is_active BOOLEAN,
  PRIMARY KEY (product_key) NOT ENFORCED
) DISTRIBUTED BY HASH(product_key) INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
