-- CUST-1 did nothing: zeros, NONE tier, HIGH risk. CUST-2 used the app in
-- two sessions but never bought: MEDIUM. A NULL last name is skipped in
-- full_name.
SELECT
  CASE WHEN COUNT(*) = 2
    AND SUM(CASE WHEN customer_id = 'CUST-1' AND full_name = 'Grace Hopper' AND country = 'US'
                  AND signup_date = DATE '2026-01-10' AND loyalty_tier = 'NONE' AND loyalty_points = 0
                  AND order_count = 0 AND lifetime_value = 0.00 AND lifetime_margin = 0.00
                  AND categories_bought = 0 AND last_purchase_ts IS NULL
                  AND ticket_count = 0 AND open_ticket_count = 0 AND avg_satisfaction IS NULL
                  AND app_sessions = 0 AND last_app_event_ts IS NULL
                  AND churn_risk = 'HIGH' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN customer_id = 'CUST-2' AND full_name = 'Linus' AND order_count = 0
                  AND app_sessions = 2 AND last_app_event_ts = TIMESTAMP '2026-03-04 19:45:00'
                  AND churn_risk = 'MEDIUM' THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM c360_fct_customer_profile_ut;
