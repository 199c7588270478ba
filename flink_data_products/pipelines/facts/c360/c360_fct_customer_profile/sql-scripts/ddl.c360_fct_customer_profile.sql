-- The Customer 360 profile (customer.analytics.Customer360Profile): one row
-- per customer with demographics, loyalty, purchase history, support and app
-- engagement, and a churn-risk flag.
CREATE TABLE IF NOT EXISTS c360_fct_customer_profile (
  customer_id STRING NOT NULL,
  full_name STRING,
  email STRING,
  country STRING,
  customer_segment STRING,
  preferred_channel STRING,
  signup_date DATE,
  loyalty_tier STRING,
  loyalty_points INT,
  order_count BIGINT,
  lifetime_value DECIMAL(14, 2),
  lifetime_margin DECIMAL(14, 2),
  categories_bought BIGINT,
  last_purchase_ts TIMESTAMP(3),
  ticket_count BIGINT,
  open_ticket_count BIGINT,
  avg_satisfaction DOUBLE,
  app_sessions BIGINT,
  last_app_event_ts TIMESTAMP(3),
  churn_risk STRING,
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
