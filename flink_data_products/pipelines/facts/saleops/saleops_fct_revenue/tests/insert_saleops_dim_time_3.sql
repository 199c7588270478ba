INSERT INTO saleops_dim_time_ut VALUES
  (20251231, DATE '2025-12-31', 2025, 4, 12, 31, 4, 'Wednesday', FALSE),
  (20260302, DATE '2026-03-02', 2026, 1, 3, 2, 2, 'Monday', FALSE);
