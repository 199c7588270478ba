INSERT INTO src_c360_customers_ut VALUES
  ('CUST-20', 'Barbara', 'Liskov', 'barbara@example.com', CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS STRING), 'Boston', 'US', DATE '2025-01-01', 'PREMIUM', 'WEB', TIMESTAMP '2025-01-01 08:00:00.000'),
  ('CUST-21', 'Donald', 'Knuth', 'donald@example.com', CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS STRING), 'Stanford', 'US', DATE '2025-01-01', 'PREMIUM', 'WEB', TIMESTAMP '2025-01-01 08:00:00.000'),
  ('CUST-22', 'Frances', 'Allen', 'frances@example.com', CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS STRING), 'Peru', 'US', DATE '2025-01-01', 'PREMIUM', 'WEB', TIMESTAMP '2025-01-01 08:00:00.000');
