CREATE TABLE src_orders_ut (id STRING, amount DECIMAL(10,2)) WITH ('connector'='kafka');
