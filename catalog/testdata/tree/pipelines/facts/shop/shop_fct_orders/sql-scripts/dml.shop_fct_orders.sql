INSERT INTO shop_fct_orders
SELECT o.order_id, c.name AS customer_name, o.amount
FROM src_shop_orders AS o
JOIN src_shop_customers AS c ON c.customer_id = o.customer_id;
