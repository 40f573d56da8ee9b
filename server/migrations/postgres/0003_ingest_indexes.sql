-- Retention finds its cut-off in events by binary search on seq (received_ms grows with seq),
-- so ingest no longer maintains an index on received_ms for an hourly job.
DROP INDEX events_received;
-- user_events are pruned by seq; seq only grows, so this index is appended to, not rewritten.
CREATE INDEX user_events_seq ON user_events (seq);
-- The dashboard's users_by_risk and users_by_seen (0002) serve every query these served;
-- each index is one more random-key write per user the engine runner stores.
DROP INDEX users_risk;
DROP INDEX users_seen;
