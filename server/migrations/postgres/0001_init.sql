CREATE TABLE apps (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash BYTEA NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    -- Highest decision cursor deleted by retention: older cursors get a reset.
    pruned_cursor BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- seq is the global order every engine instance processes events in.
CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY,
    app_id BIGINT NOT NULL,
    event_id BYTEA NOT NULL,
    ts_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    data TEXT NOT NULL,
    -- What the engine runner needs besides the columns above, so it never parses data:
    -- the user's identifiers (JSON object), auth.failure's exists, custom's name, alias's
    -- previous user key, signup's e-mail domain.
    user_ids TEXT,
    user_exists BOOLEAN,
    name TEXT,
    previous_key TEXT,
    email_domain TEXT,
    received_ms BIGINT NOT NULL,
    UNIQUE (app_id, event_id)
);
CREATE INDEX events_received ON events (received_ms);

-- Each user's events, for the dashboard. Written by the engine runner in its large
-- transactions rather than indexed at ingest: an index on random user keys rewrites about
-- one page per event at every commit, which halved ingest throughput.
CREATE TABLE user_events (
    app_id BIGINT NOT NULL,
    user_key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_key, seq)
);

CREATE TABLE engine_progress (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO engine_progress (id, seq) VALUES (1, 0);

CREATE TABLE users (
    app_id BIGINT NOT NULL,
    user_key TEXT NOT NULL,
    ids TEXT NOT NULL,
    primary_key TEXT NOT NULL,
    display TEXT NOT NULL,
    risk DOUBLE PRECISION NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_key)
);
CREATE INDEX users_risk ON users (app_id, risk);
CREATE INDEX users_seen ON users (app_id, last_seen_ms);

CREATE TABLE signals (
    id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    points DOUBLE PRECISION NOT NULL,
    ts_ms BIGINT NOT NULL
);
CREATE INDEX signals_app_user ON signals (app_id, user_key, seq);

CREATE TABLE risk_history (
    id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    subject TEXT NOT NULL,
    risk_before DOUBLE PRECISION NOT NULL,
    risk_after DOUBLE PRECISION NOT NULL,
    signal TEXT,
    ts_ms BIGINT NOT NULL
);
CREATE INDEX risk_app_subject ON risk_history (app_id, subject, seq);

CREATE TABLE playbook_runs (
    id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    playbook TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    reason TEXT NOT NULL,
    ts_ms BIGINT NOT NULL
);
CREATE INDEX runs_app ON playbook_runs (app_id, seq);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    playbook TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    resolved_ms BIGINT
);
CREATE INDEX incidents_app ON incidents (app_id, state, created_ms);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    scope TEXT NOT NULL,
    value TEXT NOT NULL,
    action TEXT NOT NULL,
    url TEXT,
    expires_ms BIGINT,
    reason TEXT NOT NULL,
    ids TEXT,
    source TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX decisions_app ON decisions (app_id, deleted);
CREATE INDEX decisions_expiry ON decisions (deleted, expires_ms);

-- The change log long polls read: every upsert and delete takes the next cursor.
CREATE TABLE decision_changes (
    cursor BIGSERIAL PRIMARY KEY,
    app_id BIGINT NOT NULL,
    decision_id TEXT NOT NULL,
    op TEXT NOT NULL,
    ts_ms BIGINT NOT NULL
);
CREATE INDEX decision_changes_app ON decision_changes (app_id, cursor);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL
);
CREATE INDEX notifications_state ON notifications (state);

CREATE TABLE notification_attempts (
    id BIGSERIAL PRIMARY KEY,
    notification_id TEXT NOT NULL,
    app_id BIGINT NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    ts_ms BIGINT NOT NULL
);
CREATE INDEX attempts_app ON notification_attempts (app_id, id);
