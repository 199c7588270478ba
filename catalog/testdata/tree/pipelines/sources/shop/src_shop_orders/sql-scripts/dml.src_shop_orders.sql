INSERT INTO src_shop_orders
SELECT order_id, customer_id, amount FROM raw_orders WHERE order_id IS NOT NULL;
