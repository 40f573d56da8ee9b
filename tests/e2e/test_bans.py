"""Decisions cross languages: what the server decides from one app's events is enforced by
every SDK, each on its own process, within 2 s."""

from __future__ import annotations

import time

import vigil_stack
from conftest import wait_for

PROPAGATION_LIMIT_S = 2.0


def test_takeover_through_python_bans_the_user_in_node_and_go(stack: vigil_stack.Stack) -> None:
    flask, express, go = stack.apps["flask"], stack.apps["express"], stack.apps["go"]
    victim, bystander = "victim-x@example.com", "bystander-x@example.com"
    for app in (flask, express, go):  # each app has its own user store
        for email in (victim, bystander):
            assert app.post("/signup", "192.0.2.50", email=email, password="right") == 200
    for app in (express, go):
        assert app.account(victim, "192.0.2.50") == 200, f"{app.lang} blocked the victim early"

    # A takeover through the Python app only: failures, then the right password, from one IP.
    attacker = "198.51.100.77"
    for n in range(3):
        assert flask.post("/login", attacker, email=victim, password=f"guess{n}") == 401
    assert flask.post("/login", attacker, email=victim, password="right") == 200
    started = time.monotonic()

    elapsed = {}
    for app in (express, go, flask):
        # Asked from the victim's own IP: this is a user ban, not the attacker's IP.
        wait_for(
            f"{app.lang} to ban the victim",
            lambda app=app: app.account(victim, "192.0.2.51") == 403,
            timeout=PROPAGATION_LIMIT_S + 3,
        )
        elapsed[app.lang] = time.monotonic() - started
    print(f"\nuser ban from the Python app's events enforced after: {elapsed}")
    for lang, secs in elapsed.items():
        assert secs < PROPAGATION_LIMIT_S, f"{lang} enforced the ban after {secs:.2f} s"

    decisions = [d for d in stack.decisions() if d["scope"] == "user"]
    assert any(d["ids"] == {"email": victim} for d in decisions), decisions
    # The ban is the victim's alone.
    for app in (flask, express, go):
        assert app.account(bystander, "192.0.2.51") == 200


def test_ip_block_stops_all_three_apps(stack: vigil_stack.Stack) -> None:
    blocked_ip, other_ip = "203.0.113.201", "203.0.113.202"
    email = "ipblock@example.com"
    for app in stack.apps.values():
        assert app.post("/signup", other_ip, email=email, password="pw") == 200
        assert app.account(email, blocked_ip) == 200

    decision = stack.server.admin(
        "POST",
        "/api/decisions",
        {"app": stack.app_id, "scope": "ip", "value": blocked_ip, "reason": "e2e"},
    )
    started = time.monotonic()
    for app in stack.apps.values():
        wait_for(
            f"{app.lang} to block {blocked_ip}",
            lambda app=app: app.account(email, blocked_ip) == 403,
            timeout=PROPAGATION_LIMIT_S,
        )
    print(f"\nIP block enforced by all three apps after {time.monotonic() - started:.3f} s")
    for app in stack.apps.values():
        # Every route, before the app runs; other clients are still served.
        assert app.post("/login", blocked_ip, email=email, password="pw") == 403
        assert app.post("/signup", blocked_ip, email="new-" + email, password="pw") == 403
        assert app.post("/login", other_ip, email=email, password="pw") == 200

    stack.server.admin("DELETE", f"/api/decisions/{decision['id']}")
    for app in stack.apps.values():
        wait_for(
            f"{app.lang} to lift the block",
            lambda app=app: app.account(email, blocked_ip) == 200,
            timeout=PROPAGATION_LIMIT_S,
        )
