-- Test copy of src_c360_support_tickets (from sources/c360/src_c360_support_tickets/sql-scripts/ddl.src_c360_support_tickets.sql):
-- the same columns, named src_c360_support_tickets_ut so that a test never reads or writes the real table.
CREATE TABLE IF NOT EXISTS src_c360_support_tickets_ut (
  ticket_id STRING NOT NULL,
  customer_id STRING,
  opened_at TIMESTAMP(3),
  closed_at TIMESTAMP(3),
  category STRING,
  priority STRING,
  status STRING,
  satisfaction_score INT,
  updated_at TIMESTAMP(3),
  PRIMARY KEY (ticket_id) NOT ENFORCED
) DISTRIBUTED BY HASH(ticket_id) INTO 2 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
