-- C-1 became wholesale on 2026-03-05: two versions.
INSERT INTO saleops_dim_customer_ut VALUES
  ('C-1@20260101000000', 'C-1', 'Ada Byron', 'ada@example.com', 'RETAIL', 'WEST', 'Portland', 'US', TIMESTAMP '2026-01-01 00:00:00.000', TIMESTAMP '2026-03-05 00:00:00.000', FALSE),
  ('C-1@20260305000000', 'C-1', 'Ada Byron', 'ada@example.com', 'WHOLESALE', 'WEST', 'Portland', 'US', TIMESTAMP '2026-03-05 00:00:00.000', CAST(NULL AS TIMESTAMP(3)), TRUE);
