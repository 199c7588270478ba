CREATE TABLE IF NOT EXISTS src_shared (
  order_id STRING NOT NULL
);
