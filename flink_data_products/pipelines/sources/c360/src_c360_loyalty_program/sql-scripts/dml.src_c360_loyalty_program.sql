-- One loyalty membership per customer; tiers are renamed in the 2025
-- programme, map the legacy names.
INSERT INTO src_c360_loyalty_program
WITH ranked_members AS (
  SELECT
    customer_id,
    loyalty_id,
    tier,
    points_balance,
    enrolled_at,
    updated_at,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC) AS row_num
  FROM raw_c360_loyalty_program
)
SELECT
  customer_id,
  loyalty_id,
  CASE UPPER(tier)
    WHEN 'BRONZE' THEN 'MEMBER'
    WHEN 'SILVER' THEN 'PLUS'
    WHEN 'GOLD' THEN 'PREMIER'
    ELSE COALESCE(UPPER(tier), 'MEMBER')
  END AS tier,
  GREATEST(COALESCE(points_balance, 0), 0) AS points_balance,
  enrolled_at,
  updated_at
FROM ranked_members
WHERE row_num = 1;
