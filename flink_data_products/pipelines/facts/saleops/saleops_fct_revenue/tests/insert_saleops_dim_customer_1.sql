INSERT INTO saleops_dim_customer_ut VALUES
  ('C-1@20260101000000', 'C-1', 'Ada Byron', 'ada@example.com', 'RETAIL', 'WEST', 'Portland', 'US', TIMESTAMP '2026-01-01 00:00:00.000', CAST(NULL AS TIMESTAMP(3)), TRUE),
  ('C-2@20260115000000', 'C-2', 'Alan Turing', 'alan@example.com', 'WHOLESALE', 'EAST', 'Boston', 'US', TIMESTAMP '2026-01-15 00:00:00.000', CAST(NULL AS TIMESTAMP(3)), TRUE);
