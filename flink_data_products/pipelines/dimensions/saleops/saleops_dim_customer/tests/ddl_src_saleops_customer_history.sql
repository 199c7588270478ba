-- Test copy of src_saleops_customer_history (from sources/saleops/src_saleops_customer_history/sql-scripts/ddl.src_saleops_customer_history.sql):
-- the same columns, named src_saleops_customer_history_ut so that a test never reads or writes the real table.
-- Every version of a customer record as the CRM emits it: one row per
-- (customer_id, updated_at). The dimension builds validity windows from it.
CREATE TABLE IF NOT EXISTS src_saleops_customer_history_ut (
  customer_id STRING NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL,
  customer_name STRING,
  email STRING,
  segment STRING,
  region STRING,
  city STRING,
  country STRING,
  PRIMARY KEY (customer_id, updated_at) NOT ENFORCED
) DISTRIBUTED BY HASH(customer_id, updated_at) INTO 2 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
