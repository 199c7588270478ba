INSERT INTO src_c360_products
WITH ranked_products AS (
  SELECT
    product_id,
    product_name,
    category,
    brand,
    unit_cost,
    list_price,
    updated_at,
    ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC) AS row_num
  FROM raw_c360_products
)
SELECT product_id, product_name, COALESCE(category, 'Uncategorized') AS category, brand, unit_cost, list_price, updated_at
FROM ranked_products
WHERE row_num = 1;
