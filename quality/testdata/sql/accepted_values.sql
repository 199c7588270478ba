-- count
SELECT COUNT(*) AS violations
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE CAST(`loyalty_tier` AS STRING) NOT IN ('Bronze', 'Silver', 'O''Neil');
-- sample
SELECT *
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE CAST(`loyalty_tier` AS STRING) NOT IN ('Bronze', 'Silver', 'O''Neil')
LIMIT 5;
