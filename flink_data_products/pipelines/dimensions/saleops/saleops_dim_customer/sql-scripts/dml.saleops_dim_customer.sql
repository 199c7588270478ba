-- SCD2 windows without LEAD(): an OVER window in streaming mode must be
-- ordered on a time attribute, so the end of each version is computed with a
-- self-join instead ("the smallest later updated_at of the same customer").
-- Portable to open-source Flink; state grows with the number of versions.
INSERT INTO saleops_dim_customer
WITH versions AS (
  SELECT customer_id, updated_at, customer_name, email, segment, region, city, country
  FROM src_saleops_customer_history
),
version_ends AS (
  SELECT
    cur.customer_id,
    cur.updated_at AS valid_from,
    MIN(nxt.updated_at) AS valid_to
  FROM versions AS cur
  LEFT JOIN versions AS nxt
    ON nxt.customer_id = cur.customer_id
   AND nxt.updated_at > cur.updated_at
  GROUP BY cur.customer_id, cur.updated_at
)
SELECT
  -- the surrogate key is readable on purpose: '<customer_id>@<yyyyMMddHHmmss>'
  CONCAT(v.customer_id, '@', DATE_FORMAT(v.updated_at, 'yyyyMMddHHmmss')) AS customer_key,
  v.customer_id,
  v.customer_name,
  v.email,
  v.segment,
  v.region,
  v.city,
  v.country,
  e.valid_from,
  e.valid_to,
  e.valid_to IS NULL AS is_current
FROM versions AS v
JOIN version_ends AS e
  ON e.customer_id = v.customer_id
 AND e.valid_from = v.updated_at;
