-- Test copy of src_c360_app_usage (from sources/c360/src_c360_app_usage/sql-scripts/ddl.src_c360_app_usage.sql):
-- the same columns, named src_c360_app_usage_ut so that a test never reads or writes the real table.
-- Mobile app events, append-only: one row per event.
CREATE TABLE IF NOT EXISTS src_c360_app_usage_ut (
  event_id STRING NOT NULL,
  customer_id STRING,
  session_id STRING,
  event_type STRING,
  event_ts TIMESTAMP(3),
  device_type STRING,
  screen_name STRING,
  PRIMARY KEY (event_id) NOT ENFORCED
) DISTRIBUTED BY HASH(event_id) INTO 6 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
