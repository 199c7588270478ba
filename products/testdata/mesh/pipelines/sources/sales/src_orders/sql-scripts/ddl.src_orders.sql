CREATE TABLE IF NOT EXISTS src_orders (
  order_id STRING NOT NULL,
  amount DECIMAL(10, 2),
  PRIMARY KEY (order_id) NOT ENFORCED
);
