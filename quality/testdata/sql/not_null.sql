-- count
SELECT COUNT(*) AS violations, COUNT(*) - COUNT(`customer_id`) AS nulls_1, COUNT(*) - COUNT(`email`) AS nulls_2
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE `customer_id` IS NULL OR `email` IS NULL;
-- sample
SELECT *
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE `customer_id` IS NULL OR `email` IS NULL
LIMIT 5;
