CREATE TABLE apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    token_hash BLOB NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    -- Highest decision cursor deleted by retention: older cursors get a reset.
    pruned_cursor INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- seq is the global order every engine instance processes events in.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL,
    event_id BLOB NOT NULL,
    ts_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    data TEXT NOT NULL,
    -- What the engine runner needs besides the columns above, so it never parses data:
    -- the user's identifiers (JSON object), auth.failure's exists, custom's name, alias's
    -- previous user key, signup's e-mail domain.
    user_ids TEXT,
    user_exists INTEGER,
    name TEXT,
    previous_key TEXT,
    email_domain TEXT,
    received_ms INTEGER NOT NULL,
    UNIQUE (app_id, event_id)
);
CREATE INDEX events_received ON events (received_ms);

-- Each user's events, for the dashboard. Written by the engine runner in its large
-- transactions rather than indexed at ingest: an index on random user keys rewrites about
-- one page per event at every commit, which halved ingest throughput.
CREATE TABLE user_events (
    app_id INTEGER NOT NULL,
    user_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (app_id, user_key, seq)
) WITHOUT ROWID;

CREATE TABLE engine_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO engine_progress (id, seq) VALUES (1, 0);

CREATE TABLE users (
    app_id INTEGER NOT NULL,
    user_key TEXT NOT NULL,
    ids TEXT NOT NULL,
    primary_key TEXT NOT NULL,
    display TEXT NOT NULL,
    risk REAL NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    PRIMARY KEY (app_id, user_key)
);
CREATE INDEX users_risk ON users (app_id, risk);
CREATE INDEX users_seen ON users (app_id, last_seen_ms);

CREATE TABLE signals (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    points REAL NOT NULL,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX signals_app_user ON signals (app_id, user_key, seq);

CREATE TABLE risk_history (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    subject TEXT NOT NULL,
    risk_before REAL NOT NULL,
    risk_after REAL NOT NULL,
    signal TEXT,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX risk_app_subject ON risk_history (app_id, subject, seq);

CREATE TABLE playbook_runs (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    playbook TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    reason TEXT NOT NULL,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX runs_app ON playbook_runs (app_id, seq);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    playbook TEXT NOT NULL,
    user_key TEXT,
    ip TEXT,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    resolved_ms INTEGER
);
CREATE INDEX incidents_app ON incidents (app_id, state, created_ms);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    value TEXT NOT NULL,
    action TEXT NOT NULL,
    url TEXT,
    expires_ms INTEGER,
    reason TEXT NOT NULL,
    ids TEXT,
    source TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX decisions_app ON decisions (app_id, deleted);
CREATE INDEX decisions_expiry ON decisions (deleted, expires_ms);

-- The change log long polls read: every upsert and delete takes the next cursor.
CREATE TABLE decision_changes (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id INTEGER NOT NULL,
    decision_id TEXT NOT NULL,
    op TEXT NOT NULL,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX decision_changes_app ON decision_changes (app_id, cursor);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
);
CREATE INDEX notifications_state ON notifications (state);

CREATE TABLE notification_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id TEXT NOT NULL,
    app_id INTEGER NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX attempts_app ON notification_attempts (app_id, id);
