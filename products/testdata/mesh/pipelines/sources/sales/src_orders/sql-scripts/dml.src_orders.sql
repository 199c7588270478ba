INSERT INTO src_orders
SELECT order_id, amount FROM raw_orders;
