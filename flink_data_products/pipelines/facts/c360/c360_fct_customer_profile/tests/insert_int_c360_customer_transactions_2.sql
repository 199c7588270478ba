-- CUST-10: two transactions (three lines, two categories); CUST-11: one.
INSERT INTO int_c360_customer_transactions_ut VALUES
  ('I-1', 'T-1', 'CUST-10', TIMESTAMP '2026-03-01 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 2, 50.00, 20.00),
  ('I-2', 'T-1', 'CUST-10', TIMESTAMP '2026-03-01 10:00:00.000', 'WEB', 'P-2', 'Trail shoes', 'Footwear', 1, 80.00, 30.00),
  ('I-3', 'T-2', 'CUST-10', TIMESTAMP '2026-03-10 18:00:00.000', 'STORE', 'P-1', 'Trail socks', 'Apparel', 1, 25.50, 10.25),
  ('I-4', 'T-3', 'CUST-11', TIMESTAMP '2026-02-14 12:00:00.000', 'STORE', 'P-3', 'Beanie', 'Apparel', 1, 10.00, 4.00);
