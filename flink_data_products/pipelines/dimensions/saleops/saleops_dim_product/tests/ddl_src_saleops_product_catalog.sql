-- Test copy of src_saleops_product_catalog (from sources/saleops/src_saleops_product_catalog/sql-scripts/ddl.src_saleops_product_catalog.sql):
-- the same columns, named src_saleops_product_catalog_ut so that a test never reads or writes the real table.
CREATE TABLE IF NOT EXISTS src_saleops_product_catalog_ut (
  product_id STRING NOT NULL,
  sku STRING,
  product_name STRING,
  category STRING,
  subcategory STRING,
  brand STRING,
  list_price DECIMAL(10, 2),
  is_active BOOLEAN,
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
  'kafka.cleanup-policy' = 'compact',
  'value.fields-include' = 'all'
);
