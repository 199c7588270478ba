-- Internal test accounts (QA creates them with @test.example.com addresses)
-- are excluded with a subquery on the customer source.
INSERT INTO c360_customer_analytics
SELECT
  customer_segment,
  loyalty_tier,
  churn_risk,
  COUNT(*) AS customer_count,
  CAST(SUM(lifetime_value) AS DECIMAL(18, 2)) AS total_lifetime_value,
  CAST(AVG(lifetime_value) AS DECIMAL(14, 2)) AS avg_lifetime_value,
  AVG(CAST(order_count AS DOUBLE)) AS avg_orders,
  SUM(CASE WHEN open_ticket_count > 0 THEN 1 ELSE 0 END) AS customers_with_open_tickets
FROM c360_fct_customer_profile
WHERE customer_id NOT IN (
  SELECT customer_id
  FROM src_c360_customers
  WHERE email LIKE '%@test.example.com'
)
GROUP BY customer_segment, loyalty_tier, churn_risk;
