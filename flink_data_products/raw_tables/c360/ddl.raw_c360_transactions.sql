CREATE TABLE IF NOT EXISTS raw_c360_transactions (
  transaction_id STRING,
  customer_id STRING,
  transaction_ts TIMESTAMP(3),
  channel STRING,
  store_id STRING,
  payment_method STRING,
  total_amount DECIMAL(12, 2),
  status STRING,
  updated_at TIMESTAMP(3)
) DISTRIBUTED INTO 6 BUCKETS
WITH (
  'changelog.mode' = 'append',
  'value.format' = 'avro-registry',
  'value.avro-registry.schema-context' = '.flink-dev',
  'kafka.retention.time' = '7 d'
);
