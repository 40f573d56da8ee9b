-- End-user notices (docs/server.md, End-user notices): the links of a notify_user e-mail are
-- signed tokens that need no row to check; this table only makes each notice single-use.
-- A row is the answer to one notification, inserted once (ON CONFLICT DO NOTHING), so two
-- clicks racing on any instances perform one answer. Rows go once their links expired.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    user_key TEXT NOT NULL,
    answer TEXT NOT NULL,
    used_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX notices_expiry ON notices (expires_ms);
