-- Stateless filter: drop anonymous sessions and the app's heartbeat events.
INSERT INTO src_c360_app_usage
SELECT
  event_id,
  customer_id,
  session_id,
  LOWER(event_type) AS event_type,
  event_ts,
  COALESCE(device_type, 'unknown') AS device_type,
  screen_name
FROM raw_c360_app_usage
WHERE customer_id IS NOT NULL
  AND event_type NOT IN ('heartbeat', 'app_background');
