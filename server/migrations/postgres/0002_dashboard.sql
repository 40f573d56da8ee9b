-- What the dashboard reads, kept fast at 100 000 users and millions of events. See the SQLite
-- migration of the same name for the reasons; the tables are the same.

-- COLLATE "C": prefix searches are byte ranges, whatever the database's collation.
CREATE TABLE user_ids (
    app_id BIGINT NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    user_key TEXT NOT NULL,
    PRIMARY KEY (app_id, value, user_key)
);

CREATE FUNCTION users_ids_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_ids (app_id, value, user_key)
    SELECT NEW.app_id, j.value, NEW.user_key FROM jsonb_each_text(NEW.ids::jsonb) j
    WHERE j.value IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_ids_insert AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_ids_insert();

INSERT INTO user_ids (app_id, value, user_key)
SELECT u.app_id, j.value, u.user_key FROM users u, jsonb_each_text(u.ids::jsonb) j
WHERE j.value IS NOT NULL
ON CONFLICT DO NOTHING;

CREATE TABLE event_minutes (
    app_id BIGINT NOT NULL,
    minute BIGINT NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (app_id, minute, kind)
);

CREATE TABLE event_minutes_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO event_minutes_progress (id, seq) VALUES (1, 0);

CREATE INDEX users_by_risk ON users (app_id, risk DESC, last_seen_ms DESC, user_key DESC);
CREATE INDEX users_by_seen ON users (app_id, last_seen_ms DESC, user_key DESC);
CREATE INDEX signals_app_ip ON signals (app_id, ip, seq);
CREATE INDEX runs_app_playbook ON playbook_runs (app_id, playbook, seq);
CREATE INDEX decisions_app_value ON decisions (app_id, value);
