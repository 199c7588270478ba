-- a comment that tries to end the page's script: </script><script>alert(1)</script> <!--
CREATE TABLE IF NOT EXISTS shop_fct_orders (
  order_id STRING NOT NULL,
  customer_name STRING,
  amount DECIMAL(10, 2),
  PRIMARY KEY (order_id) NOT ENFORCED
);
