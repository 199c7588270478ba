-- One row per product, keyed by product_id, with its band, path and brand.
SELECT
  CASE WHEN COUNT(*) = 5
    AND SUM(CASE WHEN product_key = 'P-1' AND price_band = 'budget' AND list_price = 19.99
                  AND category_path = 'Accessories > Stickers' AND brand = 'Northwind' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN product_key = 'P-2' AND price_band = 'standard' AND list_price = 20.00 THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN product_key = 'P-3' AND price_band = 'standard' AND brand = 'Contoso, Ltd.'
                  AND category_path = 'Footwear > Running' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN product_key = 'P-4' AND price_band = 'premium'
                  AND brand = 'Private label (not sourced from a supplier JOIN)' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN product_key = 'P-5' AND price_band = 'unpriced' AND list_price IS NULL
                  AND is_active = FALSE AND sku = 'SKU-5' THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM saleops_dim_product_ut;
