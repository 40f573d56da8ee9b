-- Devices, challenges and shadow playbooks (docs/detection.md).
-- The device of the request an event came from (32 hex digits), for the engine runner.
-- A challenge event's result goes where a custom event's name does (events.name).
ALTER TABLE events ADD COLUMN device TEXT;
-- A user block's exempt devices (JSON array of device ids), sent to SDKs with the decision.
ALTER TABLE decisions ADD COLUMN except_devices TEXT;
-- 1 for what a shadow playbook would have done: recorded, never enforced.
ALTER TABLE playbook_runs ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;
