-- count
SELECT COUNT(*) AS row_count
FROM (SELECT * FROM `c360_customer_analytics` /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */);
