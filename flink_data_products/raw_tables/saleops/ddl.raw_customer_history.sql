-- Raw CRM change feed: one record per customer change (append-only).
CREATE TABLE IF NOT EXISTS raw_customer_history (
  customer_id STRING,
  updated_at TIMESTAMP(3),
  customer_name STRING,
  email STRING,
  segment STRING,
  region STRING,
  city STRING,
  country STRING
) DISTRIBUTED INTO 2 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
