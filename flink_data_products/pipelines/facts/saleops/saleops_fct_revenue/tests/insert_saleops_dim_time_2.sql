INSERT INTO saleops_dim_time_ut VALUES
  (20260302, DATE '2026-03-02', 2026, 1, 3, 2, 2, 'Monday', FALSE),
  (20260305, DATE '2026-03-05', 2026, 1, 3, 5, 5, 'Thursday', FALSE),
  (20260307, DATE '2026-03-07', 2026, 1, 3, 7, 7, 'Saturday', TRUE);
