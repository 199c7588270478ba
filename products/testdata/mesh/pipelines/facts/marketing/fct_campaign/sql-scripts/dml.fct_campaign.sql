-- the port is a legal read; the source table of sales is not
INSERT INTO fct_campaign
SELECT f.order_id, s.amount
FROM fct_orders AS f
JOIN src_orders AS s ON s.order_id = f.order_id
JOIN src_shared AS x ON x.order_id = f.order_id;
