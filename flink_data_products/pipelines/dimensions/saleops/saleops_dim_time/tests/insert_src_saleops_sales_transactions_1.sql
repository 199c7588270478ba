-- Two lines on Saturday 2026-03-07, one on Monday 2026-03-02, one on the last
-- day of the year (Thursday, Q4), and one without a timestamp.
INSERT INTO src_saleops_sales_transactions_ut VALUES
  ('O-1', 1, 'C-1', 'P-10', 'POS', 'S-01', 1, 25.00, 0.00, 'USD', TIMESTAMP '2026-03-07 09:00:00.000', TIMESTAMP '2026-03-07 09:00:00.000'),
  ('O-1', 2, 'C-1', 'P-20', 'POS', 'S-01', 1, 120.00, 0.00, 'USD', TIMESTAMP '2026-03-07 18:40:00.000', TIMESTAMP '2026-03-07 18:40:00.000'),
  ('O-2', 1, 'C-2', 'P-10', 'WEB', CAST(NULL AS STRING), 2, 25.00, 0.00, 'USD', TIMESTAMP '2026-03-02 10:15:00.000', TIMESTAMP '2026-03-02 10:15:00.000'),
  ('O-3', 1, 'C-2', 'P-10', 'WEB', CAST(NULL AS STRING), 1, 25.00, 0.00, 'USD', TIMESTAMP '2026-12-31 23:59:59.000', TIMESTAMP '2026-12-31 23:59:59.000'),
  ('O-4', 1, 'C-2', 'P-10', 'WEB', CAST(NULL AS STRING), 1, 25.00, 0.00, 'USD', CAST(NULL AS TIMESTAMP(3)), TIMESTAMP '2026-03-08 08:00:00.000');
