INSERT INTO src_orders_ut VALUES ('a', 1.5);
