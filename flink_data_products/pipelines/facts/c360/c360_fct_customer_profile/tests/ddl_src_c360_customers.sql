-- Test copy of src_c360_customers (from sources/c360/src_c360_customers/sql-scripts/ddl.src_c360_customers.sql):
-- the same columns, named src_c360_customers_ut so that a test never reads or writes the real table.
-- CRM customers, latest version per customer_id.
CREATE TABLE IF NOT EXISTS src_c360_customers_ut (
  customer_id STRING NOT NULL,
  first_name STRING,
  last_name STRING,
  email STRING,
  phone STRING,
  birth_date DATE,
  gender STRING,
  city STRING,
  country STRING,
  signup_date DATE,
  customer_segment STRING,
  preferred_channel STRING,
  updated_at TIMESTAMP(3),
  PRIMARY KEY (customer_id) NOT ENFORCED
) DISTRIBUTED BY HASH(customer_id) INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
