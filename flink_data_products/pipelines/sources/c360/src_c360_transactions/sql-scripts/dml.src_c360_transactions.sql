-- Sales transactions from every channel; a status change re-sends the
-- transaction, so keep the latest version.
INSERT INTO src_c360_transactions
WITH ranked_transactions AS (
  SELECT
    transaction_id,
    customer_id,
    transaction_ts,
    UPPER(channel) AS channel,
    store_id,
    payment_method,
    total_amount,
    UPPER(status) AS status,
    updated_at,
    ROW_NUMBER() OVER (PARTITION BY transaction_id ORDER BY updated_at DESC) AS row_num
  FROM raw_c360_transactions
)
SELECT transaction_id, customer_id, transaction_ts, channel, store_id, payment_method, total_amount, status, updated_at
FROM ranked_transactions
WHERE row_num = 1
  AND customer_id IS NOT NULL;
