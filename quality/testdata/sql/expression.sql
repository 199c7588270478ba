-- count
SELECT COUNT(*) AS violations
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE (
total_spent >= 0 -- never negative
) IS NOT TRUE;
-- sample
SELECT *
FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */
WHERE (
total_spent >= 0 -- never negative
) IS NOT TRUE
LIMIT 5;
