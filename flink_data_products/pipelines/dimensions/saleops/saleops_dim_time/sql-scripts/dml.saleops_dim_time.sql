-- Days are derived from the sales themselves rather than from a generated
-- calendar: a streaming job has no bounded range to generate.
INSERT INTO saleops_dim_time
WITH sale_days AS (
  SELECT DISTINCT CAST(transaction_ts AS DATE) AS calendar_date
  FROM src_saleops_sales_transactions
  WHERE transaction_ts IS NOT NULL
)
SELECT
  CAST(DATE_FORMAT(CAST(calendar_date AS TIMESTAMP(3)), 'yyyyMMdd') AS INT) AS date_key,
  calendar_date,
  CAST(EXTRACT(YEAR FROM calendar_date) AS INT) AS calendar_year,
  CAST(EXTRACT(QUARTER FROM calendar_date) AS INT) AS calendar_quarter,
  CAST(EXTRACT(MONTH FROM calendar_date) AS INT) AS calendar_month,
  CAST(EXTRACT(DAY FROM calendar_date) AS INT) AS day_of_month,
  CAST(DAYOFWEEK(calendar_date) AS INT) AS day_of_week,
  CASE CAST(DAYOFWEEK(calendar_date) AS INT)
    WHEN 1 THEN 'Sunday'
    WHEN 2 THEN 'Monday'
    WHEN 3 THEN 'Tuesday'
    WHEN 4 THEN 'Wednesday'
    WHEN 5 THEN 'Thursday'
    WHEN 6 THEN 'Friday'
    ELSE 'Saturday'
  END AS day_name,
  CAST(DAYOFWEEK(calendar_date) AS INT) IN (1, 7) AS is_weekend
FROM sale_days;
