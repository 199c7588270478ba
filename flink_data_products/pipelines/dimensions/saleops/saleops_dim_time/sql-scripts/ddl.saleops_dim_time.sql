-- Calendar dimension, one row per day that has sales. date_key is yyyyMMdd.
CREATE TABLE IF NOT EXISTS saleops_dim_time (
  date_key INT NOT NULL,
  calendar_date DATE NOT NULL,
  calendar_year INT,
  calendar_quarter INT,
  calendar_month INT,
  day_of_month INT,
  day_of_week INT,
  day_name STRING,
  is_weekend BOOLEAN,
  PRIMARY KEY (date_key) NOT ENFORCED
) DISTRIBUTED BY HASH(date_key) INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'key.avro-registry.schema-context' = '.flink-dev',
  'value.avro-registry.schema-context' = '.flink-dev',
  'key.format' = 'avro-registry',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0',
  'value.fields-include' = 'all'
);
