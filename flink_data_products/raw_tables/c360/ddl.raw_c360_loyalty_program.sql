CREATE TABLE IF NOT EXISTS raw_c360_loyalty_program (
  customer_id STRING,
  loyalty_id STRING,
  tier STRING,
  points_balance INT,
  enrolled_at TIMESTAMP(3),
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
