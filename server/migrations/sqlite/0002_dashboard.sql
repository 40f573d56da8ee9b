-- What the dashboard reads, kept fast at 100 000 users and millions of events.

-- Each identifier value of each user, so that a search by any value (e-mail, username, ...)
-- is an index range instead of a scan of every user's JSON. A user's identifiers never change
-- (the key is their hash), so rows are only ever added, by the trigger below, when the engine
-- runner inserts the user.
CREATE TABLE user_ids (
    app_id INTEGER NOT NULL,
    value TEXT NOT NULL,
    user_key TEXT NOT NULL,
    PRIMARY KEY (app_id, value, user_key)
) WITHOUT ROWID;

CREATE TRIGGER users_ids_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_ids (app_id, value, user_key)
    SELECT NEW.app_id, j.value, NEW.user_key FROM json_each(NEW.ids) j WHERE j.type = 'text'
    ON CONFLICT DO NOTHING;
END;

INSERT INTO user_ids (app_id, value, user_key)
SELECT u.app_id, j.value, u.user_key FROM users u, json_each(u.ids) j WHERE j.type = 'text'
ON CONFLICT DO NOTHING;

-- Events per app, minute (of the event's timestamp) and type: the overview's chart and the
-- apps page's counts read this instead of the events table. Maintained off the ingest path by
-- the dashboard's rollup task (src/dashboard/rollup.rs), which folds in the events after
-- `event_minutes_progress.seq` in the same transaction that advances it, so every event
-- counts exactly once.
CREATE TABLE event_minutes (
    app_id INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (app_id, minute, kind)
) WITHOUT ROWID;

CREATE TABLE event_minutes_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO event_minutes_progress (id, seq) VALUES (1, 0);

-- Users pages in either order without sorting 100 000 rows (keyset pagination on these).
CREATE INDEX users_by_risk ON users (app_id, risk DESC, last_seen_ms DESC, user_key DESC);
CREATE INDEX users_by_seen ON users (app_id, last_seen_ms DESC, user_key DESC);
-- The signals behind an IP's incident, a playbook's last runs, a user's decisions.
CREATE INDEX signals_app_ip ON signals (app_id, ip, seq);
CREATE INDEX runs_app_playbook ON playbook_runs (app_id, playbook, seq);
CREATE INDEX decisions_app_value ON decisions (app_id, value);
