INSERT INTO crm_customer_value
SELECT f.customer_name, SUM(f.amount) AS total
FROM shop_fct_orders AS f
GROUP BY f.customer_name;
