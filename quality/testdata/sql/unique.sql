-- count
SELECT COUNT(*) AS violations, SUM(n) AS duplicate_rows
FROM (
SELECT COUNT(*) AS n
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE `customer_id` IS NOT NULL
GROUP BY `customer_id`
HAVING COUNT(*) > 1
);
-- sample
SELECT `customer_id`, COUNT(*) AS duplicate_rows
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE `customer_id` IS NOT NULL
GROUP BY `customer_id`
HAVING COUNT(*) > 1
LIMIT 5;
