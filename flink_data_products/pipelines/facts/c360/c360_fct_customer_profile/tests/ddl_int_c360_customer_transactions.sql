-- Test copy of int_c360_customer_transactions (from intermediates/c360/int_c360_customer_transactions/sql-scripts/ddl.int_c360_customer_transactions.sql):
-- the same columns, named int_c360_customer_transactions_ut so that a test never reads or writes the real table.
-- Transaction lines enriched with the transaction header and the product:
-- one row per item of a completed transaction.
CREATE TABLE IF NOT EXISTS int_c360_customer_transactions_ut (
  item_id STRING NOT NULL,
  transaction_id STRING NOT NULL,
  customer_id STRING NOT NULL,
  transaction_ts TIMESTAMP(3),
  channel STRING,
  product_id STRING,
  product_name STRING,
  category STRING,
  quantity INT,
  line_amount DECIMAL(12, 2),
  line_margin DECIMAL(12, 2),
  PRIMARY KEY (item_id) NOT ENFORCED
) DISTRIBUTED BY HASH(item_id) INTO 6 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
