-- Mobile app events, append-only: one row per event.
CREATE TABLE IF NOT EXISTS src_c360_app_usage (
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
