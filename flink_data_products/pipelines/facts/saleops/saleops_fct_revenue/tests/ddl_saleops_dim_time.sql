-- Test copy: same columns, suffixed _ut so the unit test never touches the real table.
CREATE TABLE IF NOT EXISTS saleops_dim_time_ut (
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
) DISTRIBUTED INTO 1 BUCKETS
WITH (
  'changelog.mode' = 'upsert',
  'value.format' = 'avro-registry',
  'kafka.retention.time' = '0'
);
