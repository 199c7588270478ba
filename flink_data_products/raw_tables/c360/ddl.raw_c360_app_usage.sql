CREATE TABLE IF NOT EXISTS raw_c360_app_usage (
  event_id STRING,
  customer_id STRING,
  session_id STRING,
  event_type STRING,
  event_ts TIMESTAMP(3),
  device_type STRING,
  screen_name STRING
) DISTRIBUTED INTO 6 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
