-- Customer dimension, SCD type 2: one row per customer version with its
-- validity window [valid_from, valid_to). valid_to is NULL for the current one.
CREATE TABLE IF NOT EXISTS saleops_dim_customer (
  customer_key STRING NOT NULL,
  customer_id STRING NOT NULL,
  customer_name STRING,
  email STRING,
  segment STRING,
  region STRING,
  city STRING,
  country STRING,
  valid_from TIMESTAMP(3) NOT NULL,
  valid_to TIMESTAMP(3),
  is_current BOOLEAN,
  PRIMARY KEY (customer_key) NOT ENFORCED
) DISTRIBUTED BY HASH(customer_key) INTO 2 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
