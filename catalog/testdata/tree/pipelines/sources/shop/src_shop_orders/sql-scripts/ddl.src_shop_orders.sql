CREATE TABLE IF NOT EXISTS src_shop_orders (
  order_id STRING NOT NULL,
  customer_id STRING,
  amount DECIMAL(10, 2),
  PRIMARY KEY (order_id) NOT ENFORCED
);
