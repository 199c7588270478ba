CREATE TABLE IF NOT EXISTS src_shop_customers (
  customer_id STRING NOT NULL,
  name STRING,
  PRIMARY KEY (customer_id) NOT ENFORCED
);
