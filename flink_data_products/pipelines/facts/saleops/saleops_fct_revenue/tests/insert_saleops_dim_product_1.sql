INSERT INTO saleops_dim_product_ut VALUES
  ('P-10', 'SKU-10', 'Trail socks', 'Apparel', 'Socks', 'Apparel > Socks', 'Northwind', 25.00, 'standard', TRUE),
  ('P-20', 'SKU-20', 'Rain jacket', 'Apparel', 'Outerwear', 'Apparel > Outerwear', 'Northwind', 120.00, 'premium', TRUE);
