-- Analytics view for BI: customer counts and value per segment, loyalty tier
-- and churn risk. Materialized as a table so dashboards read a topic.
CREATE TABLE IF NOT EXISTS c360_customer_analytics (
  customer_segment STRING NOT NULL,
  loyalty_tier STRING NOT NULL,
  churn_risk STRING NOT NULL,
  customer_count BIGINT,
  total_lifetime_value DECIMAL(18, 2),
  avg_lifetime_value DECIMAL(14, 2),
  avg_orders DOUBLE,
  customers_with_open_tickets BIGINT,
  PRIMARY KEY (customer_segment, loyalty_tier, churn_risk) NOT ENFORCED
) DISTRIBUTED BY HASH(customer_segment) INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
