INSERT INTO crm_dim_customers
SELECT customer_id, UPPER(name) AS name FROM src_shop_customers;
