-- C-1 has three versions (moves to Seattle, then becomes wholesale); C-2 one.
INSERT INTO src_saleops_customer_history_ut VALUES
  ('C-1', TIMESTAMP '2026-01-01 00:00:00.000', 'Ada Byron', 'ada@example.com', 'RETAIL', 'WEST', 'Portland', 'US'),
  ('C-1', TIMESTAMP '2026-02-10 12:30:00.000', 'Ada Byron', 'ada@example.com', 'RETAIL', 'WEST', 'Seattle', 'US'),
  ('C-1', TIMESTAMP '2026-03-05 00:00:00.000', 'Ada Byron', 'ada@example.com', 'WHOLESALE', 'WEST', 'Seattle', 'US'),
  ('C-2', TIMESTAMP '2026-01-15 00:00:00.000', 'Alan Turing', 'alan@example.com', 'WHOLESALE', 'EAST', 'Boston', 'US');
