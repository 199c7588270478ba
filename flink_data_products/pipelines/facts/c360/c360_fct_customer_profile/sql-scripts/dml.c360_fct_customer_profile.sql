-- Aggregate each domain per customer first (CTEs), then one left join per
-- domain on customer_id: a customer without purchases, tickets or app usage
-- still has a profile.
INSERT INTO c360_fct_customer_profile
WITH purchases AS (
  SELECT
    customer_id,
    COUNT(DISTINCT transaction_id) AS order_count,
    SUM(line_amount) AS lifetime_value,
    SUM(line_margin) AS lifetime_margin,
    COUNT(DISTINCT category) AS categories_bought,
    MAX(transaction_ts) AS last_purchase_ts
  FROM int_c360_customer_transactions
  GROUP BY customer_id
),
tickets AS (
  SELECT
    customer_id,
    COUNT(*) AS ticket_count,
    SUM(CASE WHEN status IN ('OPEN', 'ESCALATED') THEN 1 ELSE 0 END) AS open_ticket_count,
    AVG(CAST(satisfaction_score AS DOUBLE)) AS avg_satisfaction
  FROM src_c360_support_tickets
  GROUP BY customer_id
),
app AS (
  SELECT
    customer_id,
    COUNT(DISTINCT session_id) AS app_sessions,
    MAX(event_ts) AS last_app_event_ts
  FROM src_c360_app_usage
  GROUP BY customer_id
)
SELECT
  c.customer_id,
  CONCAT_WS(' ', c.first_name, c.last_name) AS full_name,
  c.email,
  c.country,
  c.customer_segment,
  c.preferred_channel,
  c.signup_date,
  COALESCE(l.tier, 'NONE') AS loyalty_tier,
  COALESCE(l.points_balance, 0) AS loyalty_points,
  COALESCE(p.order_count, 0) AS order_count,
  CAST(COALESCE(p.lifetime_value, 0) AS DECIMAL(14, 2)) AS lifetime_value,
  CAST(COALESCE(p.lifetime_margin, 0) AS DECIMAL(14, 2)) AS lifetime_margin,
  COALESCE(p.categories_bought, 0) AS categories_bought,
  p.last_purchase_ts,
  COALESCE(t.ticket_count, 0) AS ticket_count,
  CAST(COALESCE(t.open_ticket_count, 0) AS BIGINT) AS open_ticket_count,
  t.avg_satisfaction,
  COALESCE(a.app_sessions, 0) AS app_sessions,
  a.last_app_event_ts,
  -- rule from the marketing churn campaign: unhappy or silent customers
  CASE
    WHEN COALESCE(t.open_ticket_count, 0) > 0 AND COALESCE(t.avg_satisfaction, 5) < 3 THEN 'HIGH'
    WHEN p.order_count IS NULL AND a.app_sessions IS NULL THEN 'HIGH'
    WHEN COALESCE(p.order_count, 0) <= 1 THEN 'MEDIUM'
    ELSE 'LOW'
  END AS churn_risk
FROM src_c360_customers AS c
LEFT JOIN src_c360_loyalty_program AS l ON l.customer_id = c.customer_id
LEFT JOIN purchases AS p ON p.customer_id = c.customer_id
LEFT JOIN tickets AS t ON t.customer_id = c.customer_id
LEFT JOIN app AS a ON a.customer_id = c.customer_id;
