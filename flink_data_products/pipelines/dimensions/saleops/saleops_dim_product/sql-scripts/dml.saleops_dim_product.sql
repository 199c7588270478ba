-- Product dimension (SCD type 1): the source already keeps only the latest
-- version, so this is a stateless projection that adds the reporting
-- attributes merchandising asked for.
INSERT INTO saleops_dim_product
SELECT
  product_id AS product_key,
  sku,
  product_name,
  category,
  subcategory,
  CONCAT(category, ' > ', subcategory) AS category_path,
  -- private labels have no brand in the catalog
  COALESCE(brand, 'Private label (not sourced from a supplier JOIN)') AS brand,
  list_price,
  CASE
    WHEN list_price IS NULL THEN 'unpriced'
    WHEN list_price < 20 THEN 'budget'
    WHEN list_price < 100 THEN 'standard'
    ELSE 'premium'
  END AS price_band,
  is_active
FROM src_saleops_product_catalog;
