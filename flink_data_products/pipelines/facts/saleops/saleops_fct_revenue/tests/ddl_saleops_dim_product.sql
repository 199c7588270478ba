-- Test copy: same columns, suffixed _ut so the unit test never touches the real table.
CREATE TABLE IF NOT EXISTS saleops_dim_product_ut (
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
) DISTRIBUTED INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0'
);
