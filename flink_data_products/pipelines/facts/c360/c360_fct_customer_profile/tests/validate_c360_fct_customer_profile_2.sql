SELECT
  CASE WHEN COUNT(*) = 2
    AND SUM(CASE WHEN customer_id = 'CUST-10' AND full_name = 'Katherine Johnson'
                  AND loyalty_tier = 'GOLD' AND loyalty_points = 1200
                  AND order_count = 2 AND lifetime_value = 155.50 AND lifetime_margin = 60.25
                  AND categories_bought = 2 AND last_purchase_ts = TIMESTAMP '2026-03-10 18:00:00'
                  AND ticket_count = 0 AND app_sessions = 0
                  AND churn_risk = 'LOW' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN customer_id = 'CUST-11' AND loyalty_tier = 'NONE' AND loyalty_points = 0
                  AND order_count = 1 AND lifetime_value = 10.00 AND lifetime_margin = 4.00
                  AND categories_bought = 1 AND churn_risk = 'MEDIUM' THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM c360_fct_customer_profile_ut;
