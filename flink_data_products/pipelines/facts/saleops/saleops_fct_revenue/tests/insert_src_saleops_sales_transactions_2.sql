-- C-1 buys before, exactly at, and after the change of version.
INSERT INTO src_saleops_sales_transactions_ut VALUES
  ('O-2001', 1, 'C-1', 'P-10', 'POS', 'S-01', 1, 25.00, 0.00, 'USD', TIMESTAMP '2026-03-02 10:15:00.000', TIMESTAMP '2026-03-02 10:15:00.000'),
  ('O-2002', 1, 'C-1', 'P-10', 'POS', 'S-01', 1, 25.00, 0.00, 'USD', TIMESTAMP '2026-03-05 00:00:00.000', TIMESTAMP '2026-03-05 00:00:00.000'),
  ('O-2003', 1, 'C-1', 'P-20', 'WEB', CAST(NULL AS STRING), 1, 120.00, 0.00, 'USD', TIMESTAMP '2026-03-07 18:40:00.000', TIMESTAMP '2026-03-07 18:40:00.000');
