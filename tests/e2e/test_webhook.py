"""Playbook notifications reach a webhook receiver on 127.0.0.1, signed."""

from __future__ import annotations

import json

import vigil_stack
from conftest import WEBHOOK_SECRET, WebhookReceiver, verify_signature, wait_for


def test_brute_force_notifies_the_webhook_with_a_valid_signature(
    stack: vigil_stack.Stack, webhook: WebhookReceiver
) -> None:
    go = stack.apps["go"]
    victim = "webhook-victim@example.com"
    assert go.post("/signup", "192.0.2.60", email=victim, password="right") == 200
    # 10 failures on one user: brute_force (20 risk points), so the built-in
    # suspicious-user-behaviors playbook (10 points in 24 h) notifies "default".
    for n in range(10):
        assert go.post("/login", "198.51.100.60", email=victim, password=f"wrong{n}") == 401

    def user_key() -> str:
        rows = [e for e in stack.events() if e["event"]["user"]["ids"].get("email") == victim]
        return rows[0]["user"] if rows else ""

    key = wait_for("the victim's events to be stored", user_key, timeout=5)

    def delivery_for_victim() -> list[tuple[dict[str, object], object]]:
        found = []
        for d in webhook.snapshot():
            payload = json.loads(d.body)
            if payload.get("user") == key:
                found.append((payload, d))
        return found

    payload, delivery = wait_for("a webhook delivery about the victim", delivery_for_victim, 15)[0]
    assert payload["playbook"] == "suspicious-user-behaviors"
    assert payload["app_id"] == stack.app_id
    assert delivery.headers["x-vigil-delivery"] == payload["id"]
    signature = delivery.headers["x-vigil-signature"]
    assert verify_signature(WEBHOOK_SECRET.encode(), signature, delivery.body)
    # The check can fail: another secret or a changed body does not verify.
    assert not verify_signature(b"another-secret-of-enough-length", signature, delivery.body)
    assert not verify_signature(WEBHOOK_SECRET.encode(), signature, delivery.body + b" ")
    # Every delivery the server made is signed the same way.
    for d in webhook.snapshot():
        assert verify_signature(WEBHOOK_SECRET.encode(), d.headers["x-vigil-signature"], d.body)
