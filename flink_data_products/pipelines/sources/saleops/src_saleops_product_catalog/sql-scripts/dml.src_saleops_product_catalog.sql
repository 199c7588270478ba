-- The merchandising catalog re-publishes a product on every change; the
-- dimension only needs the latest version (SCD type 1).
INSERT INTO src_saleops_product_catalog
WITH latest_products AS (
  SELECT
    product_id,
    sku,
    product_name,
    category,
    subcategory,
    brand,
    list_price,
    is_active,
    updated_at,
    ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC) AS row_num
  FROM raw_product_catalog
  WHERE product_id IS NOT NULL
)
SELECT
  product_id,
  UPPER(sku) AS sku,
  product_name,
  COALESCE(category, 'Uncategorized') AS category,
  COALESCE(subcategory, 'Uncategorized') AS subcategory,
  brand,
  list_price,
  COALESCE(is_active, TRUE) AS is_active,
  updated_at
FROM latest_products
WHERE row_num = 1;
