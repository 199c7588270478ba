-- Deduplicate the CRM feed: the CRM re-sends the whole customer on every
-- change, the latest updated_at wins.
INSERT INTO src_c360_customers
WITH ranked_customers AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC) AS row_num
  FROM raw_c360_customers
  WHERE customer_id IS NOT NULL
)
SELECT
  customer_id,
  INITCAP(first_name) AS first_name,
  INITCAP(last_name) AS last_name,
  LOWER(email) AS email,
  REGEXP_REPLACE(phone, '[^0-9+]', '') AS phone,
  birth_date,
  COALESCE(gender, 'undisclosed') AS gender,
  city,
  country,
  signup_date,
  COALESCE(customer_segment, 'NEW') AS customer_segment,
  -- the app writes 'app', the stores 'in store', the web shop 'web'
  CASE LOWER(preferred_channel)
    WHEN 'in store' THEN 'STORE'
    WHEN 'app' THEN 'MOBILE'
    WHEN 'web' THEN 'ONLINE'
    ELSE 'UNKNOWN'
  END AS preferred_channel,
  updated_at
FROM ranked_customers
WHERE row_num = 1;
