INSERT INTO src_c360_customers_ut VALUES
  ('CUST-1', 'Grace', 'Hopper', 'grace@example.com', CAST(NULL AS STRING), DATE '1990-12-09', 'F', 'Arlington', 'US', DATE '2026-01-10', 'CONSUMER', 'EMAIL', TIMESTAMP '2026-01-10 08:00:00.000'),
  ('CUST-2', 'Linus', CAST(NULL AS STRING), 'linus@example.com', CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS STRING), 'Helsinki', 'FI', DATE '2026-02-01', 'CONSUMER', 'APP', TIMESTAMP '2026-02-01 08:00:00.000');
