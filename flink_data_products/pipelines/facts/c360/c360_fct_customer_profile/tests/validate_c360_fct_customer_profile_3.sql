SELECT
  CASE WHEN COUNT(*) = 3
    AND SUM(CASE WHEN customer_id = 'CUST-20' AND order_count = 3 AND ticket_count = 3
                  AND open_ticket_count = 2 AND avg_satisfaction = 2.5
                  AND churn_risk = 'HIGH' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN customer_id = 'CUST-21' AND order_count = 2 AND ticket_count = 2
                  AND open_ticket_count = 1 AND avg_satisfaction = 4.0
                  AND churn_risk = 'LOW' THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN customer_id = 'CUST-22' AND ticket_count = 1 AND open_ticket_count = 0
                  AND avg_satisfaction = 1.0 AND churn_risk = 'LOW' THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM c360_fct_customer_profile_ut;
