-- Retention finds its cut-off in events by binary search on seq (received_ms grows with seq),
-- so ingest no longer maintains an index on received_ms for an hourly job.
DROP INDEX events_received;
-- user_events are pruned by seq; seq only grows, so this index is appended to, not rewritten.
CREATE INDEX user_events_seq ON user_events (seq);
