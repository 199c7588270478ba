-- count
SELECT COUNT(*) AS violations, SUM(n) AS duplicate_rows
FROM (
SELECT COUNT(*) AS n
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE `segment` IS NOT NULL AND `tier` IS NOT NULL
GROUP BY `segment`, `tier`
HAVING COUNT(*) > 1
);
-- sample
SELECT `segment`, `tier`, COUNT(*) AS duplicate_rows
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE `segment` IS NOT NULL AND `tier` IS NOT NULL
GROUP BY `segment`, `tier`
HAVING COUNT(*) > 1
LIMIT 5;
