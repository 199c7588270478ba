-- Cleanse the CRM change feed. Stateless on purpose: the primary key of the
-- sink collapses a version that the CRM sends twice.
INSERT INTO src_saleops_customer_history
SELECT
  customer_id,
  updated_at,
  TRIM(customer_name) AS customer_name,
  LOWER(TRIM(email)) AS email,
  -- the CRM leaves the segment empty for walk-in customers
  CASE
    WHEN segment IS NULL OR TRIM(segment) = '' THEN 'UNASSIGNED'
    ELSE UPPER(TRIM(segment))
  END AS segment,
  COALESCE(region, 'UNKNOWN') AS region,
  city,
  COALESCE(country, 'US') AS country
FROM raw_customer_history
WHERE customer_id IS NOT NULL
  AND updated_at IS NOT NULL;
