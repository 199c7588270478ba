CREATE TABLE IF NOT EXISTS src_c360_transactions (
  transaction_id STRING NOT NULL,
  customer_id STRING,
  transaction_ts TIMESTAMP(3),
  channel STRING,
  store_id STRING,
  payment_method STRING,
  total_amount DECIMAL(12, 2),
  status STRING,
  updated_at TIMESTAMP(3),
  PRIMARY KEY (transaction_id) NOT ENFORCED
) DISTRIBUTED BY HASH(transaction_id) INTO 6 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
