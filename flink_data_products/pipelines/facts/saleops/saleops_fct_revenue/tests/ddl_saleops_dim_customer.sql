-- Test copy: same columns, suffixed _ut so the unit test never touches the real table.
CREATE TABLE IF NOT EXISTS saleops_dim_customer_ut (
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
) DISTRIBUTED INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0'
);
