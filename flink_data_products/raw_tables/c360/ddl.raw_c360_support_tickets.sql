CREATE TABLE IF NOT EXISTS raw_c360_support_tickets (
  ticket_id STRING,
  customer_id STRING,
  opened_at TIMESTAMP(3),
  closed_at TIMESTAMP(3),
  category STRING,
  priority STRING,
  status STRING,
  satisfaction_score INT,
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 2 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
