INSERT INTO src_c360_customers_ut VALUES
  ('CUST-10', 'Katherine', 'Johnson', 'katherine@example.com', CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS STRING), 'Hampton', 'US', DATE '2025-06-01', 'PREMIUM', 'WEB', TIMESTAMP '2025-06-01 08:00:00.000'),
  ('CUST-11', 'Edsger', 'Dijkstra', 'edsger@example.com', CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS STRING), 'Nuenen', 'NL', DATE '2026-01-05', 'CONSUMER', 'STORE', TIMESTAMP '2026-01-05 08:00:00.000');
