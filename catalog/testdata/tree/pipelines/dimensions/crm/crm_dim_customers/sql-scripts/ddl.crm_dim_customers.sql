CREATE TABLE IF NOT EXISTS crm_dim_customers (
  customer_id STRING NOT NULL,
  name STRING,
  PRIMARY KEY (customer_id) NOT ENFORCED
);
