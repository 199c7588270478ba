INSERT INTO src_c360_transaction_items
WITH ranked_items AS (
  SELECT
    item_id,
    transaction_id,
    product_id,
    quantity,
    unit_price,
    COALESCE(discount_amount, 0) AS discount_amount,
    updated_at,
    ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY updated_at DESC) AS row_num
  FROM raw_c360_transaction_items
)
SELECT item_id, transaction_id, product_id, quantity, unit_price, discount_amount, updated_at
FROM ranked_items
WHERE row_num = 1;
