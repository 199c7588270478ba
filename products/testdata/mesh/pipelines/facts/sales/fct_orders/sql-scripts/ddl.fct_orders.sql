CREATE TABLE IF NOT EXISTS fct_orders (
  order_id STRING,
  amount DECIMAL(10, 2),
  status STRING NOT NULL,
  PRIMARY KEY (order_id) NOT ENFORCED
);
