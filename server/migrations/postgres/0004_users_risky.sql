-- Risk order without rewriting an index entry on every sighting. users_by_risk held every
-- user, and the engine runner's upsert of a user moved their entry in it and in users_by_seen:
-- two random index writes per user, about half of what storing a user cost. Most users have
-- no risk at all, so the risk order now reads the few that have some from this partial index,
-- then everyone else from users_by_seen (see users_page in src/store/dashboard.rs).
DROP INDEX users_by_risk;
CREATE INDEX users_risky ON users (app_id, risk DESC, last_seen_ms DESC, user_key DESC) WHERE risk > 0;
