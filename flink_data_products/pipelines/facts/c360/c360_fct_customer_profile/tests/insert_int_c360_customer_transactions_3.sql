-- Every customer of this case buys at least twice (LOW risk by purchases).
INSERT INTO int_c360_customer_transactions_ut VALUES
  ('I-20', 'T-20', 'CUST-20', TIMESTAMP '2026-01-05 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 1, 25.00, 10.00),
  ('I-21', 'T-21', 'CUST-20', TIMESTAMP '2026-02-05 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 1, 25.00, 10.00),
  ('I-22', 'T-22', 'CUST-20', TIMESTAMP '2026-03-05 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 1, 25.00, 10.00),
  ('I-23', 'T-23', 'CUST-21', TIMESTAMP '2026-01-06 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 1, 25.00, 10.00),
  ('I-24', 'T-24', 'CUST-21', TIMESTAMP '2026-02-06 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 1, 25.00, 10.00),
  ('I-25', 'T-25', 'CUST-22', TIMESTAMP '2026-01-07 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 1, 25.00, 10.00),
  ('I-26', 'T-26', 'CUST-22', TIMESTAMP '2026-02-07 10:00:00.000', 'WEB', 'P-1', 'Trail socks', 'Apparel', 1, 25.00, 10.00);
