-- Support desk tickets, latest state per ticket. The help desk exports the
-- subject line too; it is free text ("refund from store, join loyalty") and is
-- not kept.
INSERT INTO src_c360_support_tickets
WITH ranked_tickets AS (
  SELECT
    ticket_id,
    customer_id,
    opened_at,
    closed_at,
    LOWER(category) AS category,
    UPPER(priority) AS priority,
    UPPER(status) AS status,
    satisfaction_score,
    updated_at,
    ROW_NUMBER() OVER (PARTITION BY ticket_id ORDER BY updated_at DESC) AS row_num
  FROM raw_c360_support_tickets
  WHERE category <> 'spam: select * from inbox'
)
SELECT ticket_id, customer_id, opened_at, closed_at, category, priority, status, satisfaction_score, updated_at
FROM ranked_tickets
WHERE row_num = 1;
