CREATE TABLE IF NOT EXISTS fct_campaign (
  order_id STRING NOT NULL,
  amount DECIMAL(10, 2),
  PRIMARY KEY (order_id) NOT ENFORCED
);
