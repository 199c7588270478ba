CREATE TABLE IF NOT EXISTS crm_customer_value (
  customer_name STRING NOT NULL,
  total DECIMAL(12, 2),
  PRIMARY KEY (customer_name) NOT ENFORCED
);
