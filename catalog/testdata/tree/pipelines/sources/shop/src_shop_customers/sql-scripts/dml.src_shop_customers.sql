INSERT INTO src_shop_customers
SELECT customer_id, TRIM(name) AS name FROM raw_customers;
