-- Test copy of src_c360_loyalty_program (from sources/c360/src_c360_loyalty_program/sql-scripts/ddl.src_c360_loyalty_program.sql):
-- the same columns, named src_c360_loyalty_program_ut so that a test never reads or writes the real table.
CREATE TABLE IF NOT EXISTS src_c360_loyalty_program_ut (
  customer_id STRING NOT NULL,
  loyalty_id STRING,
  tier STRING,
  points_balance INT,
  enrolled_at TIMESTAMP(3),
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
