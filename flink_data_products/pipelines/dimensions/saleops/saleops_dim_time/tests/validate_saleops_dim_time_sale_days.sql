-- Three days; DAYOFWEEK counts from Sunday = 1, so Saturday is 7.
SELECT
  CASE WHEN COUNT(*) = 3
    AND SUM(CASE WHEN date_key = 20260302 AND calendar_date = DATE '2026-03-02' AND calendar_year = 2026
                  AND calendar_quarter = 1 AND calendar_month = 3 AND day_of_month = 2
                  AND day_of_week = 2 AND day_name = 'Monday' AND NOT is_weekend THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN date_key = 20260307 AND calendar_date = DATE '2026-03-07'
                  AND day_of_week = 7 AND day_name = 'Saturday' AND is_weekend THEN 1 ELSE 0 END) = 1
    AND SUM(CASE WHEN date_key = 20261231 AND calendar_quarter = 4 AND calendar_month = 12 AND day_of_month = 31
                  AND day_of_week = 5 AND day_name = 'Thursday' AND NOT is_weekend THEN 1 ELSE 0 END) = 1
  THEN 'PASS' ELSE 'FAIL' END AS test_result
FROM saleops_dim_time_ut;
