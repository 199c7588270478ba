-- Header x lines x product. Cancelled and refunded transactions are excluded
-- here so that every consumer of the customer 360 agrees on "a purchase".
INSERT INTO int_c360_customer_transactions
SELECT
  i.item_id,
  t.transaction_id,
  t.customer_id,
  t.transaction_ts,
  t.channel,
  i.product_id,
  p.product_name,
  COALESCE(p.category, 'Uncategorized') AS category,
  i.quantity,
  CAST(i.quantity * i.unit_price - i.discount_amount AS DECIMAL(12, 2)) AS line_amount,
  CAST(i.quantity * (i.unit_price - COALESCE(p.unit_cost, i.unit_price)) - i.discount_amount AS DECIMAL(12, 2)) AS line_margin
FROM src_c360_transaction_items AS i
INNER JOIN src_c360_transactions AS t
  ON t.transaction_id = i.transaction_id
LEFT JOIN src_c360_products AS p
  ON p.product_id = i.product_id
WHERE t.status NOT IN ('CANCELLED', 'REFUNDED')
  /* kept for the Spark migration notes: the batch job read
     "SELECT * FROM sales.items JOIN sales.headers" every night */
  AND i.quantity > 0;
