-- A small day of raw input for the customer 360 product, for
-- `shiftleft pipeline prepare` (make e2e). What the view must then hold:
--   VIP      PREMIER  LOW     1 customer   25.50 (C1: two orders, a stale CRM row first)
--   VIP      PLUS     MEDIUM  1 customer    9.00 (C2: one order, a closed ticket)
--   REGULAR  NONE     HIGH    1 customer    0.00 (C3: no order, no app use)
--   REGULAR  NONE     MEDIUM  1 customer    0.00 (C4: app use only)
-- Flink needs a type for NULL in VALUES, hence CAST(NULL AS …).
-- C5 is a QA account (@test.example.com): the view leaves it out.
INSERT INTO raw_c360_customers VALUES
  ('C1', 'ana', 'lopez', 'ana@example.com', '+1 (555) 0101', DATE '1985-02-01', 'f', 'Lyon', 'FR', DATE '2024-01-10', 'OLD', 'web', TIMESTAMP '2026-01-01 08:00:00'),
  ('C1', 'ana', 'lopez', 'Ana@Example.com', '+1 (555) 0101', DATE '1985-02-01', 'f', 'Lyon', 'FR', DATE '2024-01-10', 'VIP', 'web', TIMESTAMP '2026-01-02 08:00:00'),
  ('C2', 'ben', 'ode', 'ben@example.com', CAST(NULL AS STRING), DATE '1990-06-15', CAST(NULL AS STRING), 'Oslo', 'NO', DATE '2025-03-03', 'VIP', 'app', TIMESTAMP '2026-01-01 09:00:00'),
  ('C3', 'cy', 'park', 'cy@example.com', CAST(NULL AS STRING), DATE '1979-11-30', 'm', 'Seoul', 'KR', DATE '2025-07-07', 'REGULAR', 'in store', TIMESTAMP '2026-01-01 10:00:00'),
  ('C4', 'dee', 'ray', 'dee@example.com', CAST(NULL AS STRING), DATE '2001-04-04', 'f', 'Austin', 'US', DATE '2025-09-09', 'REGULAR', 'app', TIMESTAMP '2026-01-01 11:00:00'),
  ('C5', 'eve', 'qa', 'eve@test.example.com', CAST(NULL AS STRING), DATE '2000-01-01', CAST(NULL AS STRING), 'Test', 'US', DATE '2025-01-01', 'VIP', 'web', TIMESTAMP '2026-01-01 12:00:00');

INSERT INTO raw_c360_loyalty_program VALUES
  ('C1', 'L1', 'gold', 1200, TIMESTAMP '2024-02-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00'),
  ('C2', 'L2', 'silver', 300, TIMESTAMP '2025-04-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00');

INSERT INTO raw_c360_products VALUES
  ('P1', 'Kettle', 'Kitchen', 'Acme', CAST(6.00 AS DECIMAL(10, 2)), CAST(10.00 AS DECIMAL(10, 2)), TIMESTAMP '2026-01-01 00:00:00'),
  ('P2', 'Mug', CAST(NULL AS STRING), 'Acme', CAST(2.00 AS DECIMAL(10, 2)), CAST(5.50 AS DECIMAL(10, 2)), TIMESTAMP '2026-01-01 00:00:00');

INSERT INTO raw_c360_transactions VALUES
  ('T1', 'C1', TIMESTAMP '2026-01-03 10:00:00', 'web', CAST(NULL AS STRING), 'card', CAST(20.00 AS DECIMAL(12, 2)), 'completed', TIMESTAMP '2026-01-03 10:00:00'),
  ('T2', 'C1', TIMESTAMP '2026-01-04 10:00:00', 'web', CAST(NULL AS STRING), 'card', CAST(5.50 AS DECIMAL(12, 2)), 'completed', TIMESTAMP '2026-01-04 10:00:00'),
  ('T3', 'C2', TIMESTAMP '2026-01-05 10:00:00', 'app', CAST(NULL AS STRING), 'card', CAST(9.00 AS DECIMAL(12, 2)), 'completed', TIMESTAMP '2026-01-05 10:00:00'),
  ('T4', 'C3', TIMESTAMP '2026-01-05 11:00:00', 'store', 'S1', 'cash', CAST(10.00 AS DECIMAL(12, 2)), 'cancelled', TIMESTAMP '2026-01-05 11:00:00');

INSERT INTO raw_c360_transaction_items VALUES
  ('I1', 'T1', 'P1', 2, CAST(10.00 AS DECIMAL(10, 2)), CAST(0.00 AS DECIMAL(10, 2)), TIMESTAMP '2026-01-03 10:00:00'),
  ('I2', 'T2', 'P2', 1, CAST(5.50 AS DECIMAL(10, 2)), CAST(NULL AS DECIMAL(10, 2)), TIMESTAMP '2026-01-04 10:00:00'),
  ('I3', 'T3', 'P1', 1, CAST(10.00 AS DECIMAL(10, 2)), CAST(1.00 AS DECIMAL(10, 2)), TIMESTAMP '2026-01-05 10:00:00'),
  ('I4', 'T4', 'P1', 1, CAST(10.00 AS DECIMAL(10, 2)), CAST(0.00 AS DECIMAL(10, 2)), TIMESTAMP '2026-01-05 11:00:00');

INSERT INTO raw_c360_support_tickets VALUES
  ('K1', 'C2', TIMESTAMP '2026-01-06 09:00:00', TIMESTAMP '2026-01-06 12:00:00', 'Billing', 'low', 'closed', 4, TIMESTAMP '2026-01-06 12:00:00');

INSERT INTO raw_c360_app_usage VALUES
  ('E1', 'C4', 'S-C4-1', 'LOGIN', TIMESTAMP '2026-01-07 08:00:00', 'ios', 'home'),
  ('E2', 'C4', 'S-C4-1', 'heartbeat', TIMESTAMP '2026-01-07 08:01:00', 'ios', 'home');
