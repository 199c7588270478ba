CREATE TABLE IF NOT EXISTS raw_c360_customers (
  customer_id STRING,
  first_name STRING,
  last_name STRING,
  email STRING,
  phone STRING,
  birth_date DATE,
  gender STRING,
  city STRING,
  country STRING,
  signup_date DATE,
  customer_segment STRING,
  preferred_channel STRING,
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
