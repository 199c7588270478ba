-- count
SELECT COUNT(*) AS violations, COUNT(*) - COUNT(`we``ird`) AS nulls_1
FROM `odd``table`
WHERE `we``ird` IS NULL;
-- sample
SELECT *
FROM `odd``table`
WHERE `we``ird` IS NULL
LIMIT 5;
