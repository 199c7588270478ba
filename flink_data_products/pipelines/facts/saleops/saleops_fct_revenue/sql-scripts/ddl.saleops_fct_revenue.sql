-- Revenue fact at the grain of the order line, with the keys of the customer
-- version valid at transaction time, the product and the day.
CREATE TABLE IF NOT EXISTS saleops_fct_revenue (
  order_id STRING NOT NULL,
  line_number INT NOT NULL,
  date_key INT,
  customer_key STRING,
  product_key STRING,
  channel STRING,
  store_id STRING,
  quantity INT,
  unit_price DECIMAL(10, 2),
  discount_pct DECIMAL(5, 2),
  gross_revenue DECIMAL(12, 2),
  net_revenue DECIMAL(12, 2),
  currency STRING,
  transaction_ts TIMESTAMP(3),
  PRIMARY KEY (order_id, line_number) NOT ENFORCED
) DISTRIBUTED BY HASH(order_id, line_number) INTO 3 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'kafka.producer.compression.type' = 'snappy',
  'value.fields-include' = 'all'
);
