"""The server dies or goes away; the apps keep serving and no acknowledged event is lost or
stored twice. These run last (file order): they restart the session's server."""

from __future__ import annotations

import threading
import time

import vigil_stack
from conftest import stored, wait_for

OUTAGE_S = 30.0
DELIVERY_TIMEOUT_S = 45.0  # the SDK's retry backoff is capped at 30 s (docs/protocol.md)


def signup_round(stack: vigil_stack.Stack, prefix: str, i: int) -> list[str]:
    """One signup through each app; the e-mails the apps acknowledged (every one must be)."""
    acked = []
    for app in stack.apps.values():
        email = f"{prefix}{app.name}-{i}@example.com"
        started = time.monotonic()
        status = app.post("/signup", "192.0.2.90", email=email, password="pw")
        took = time.monotonic() - started
        # Vigil never takes the host app down: the app answers, and quickly, server or not.
        assert status == 200, f"{app.lang} app answered {status}"
        assert took < 1.0, f"{app.lang} app took {took:.2f} s with the server away"
        acked.append(email)
    return acked


def assert_exactly_once(stack: vigil_stack.Stack, prefix: str, acked: list[str]) -> None:
    def all_arrived() -> bool:
        return len(stored(stack, "signup", prefix)) >= len(acked)

    wait_for(f"{len(acked)} events to arrive", all_arrived, DELIVERY_TIMEOUT_S, every=0.5)
    time.sleep(1.0)  # a late retry would show up now as a second copy
    events = stored(stack, "signup", prefix)
    ids = [e["id"] for e in events]
    emails = sorted(e["user"]["ids"]["email"] for e in events)
    assert len(ids) == len(set(ids)), "an event id was stored twice"
    assert emails == sorted(acked), "stored events differ from the acknowledged ones"
    for app in stack.apps.values():
        assert app.stats()["dropped"] == 0, f"{app.lang} SDK dropped events"


def test_kill9_and_restart_mid_stream_loses_and_duplicates_nothing(
    stack: vigil_stack.Stack,
) -> None:
    prefix, rounds, kill_at = "crash-", 80, 25
    acked: list[str] = []
    reached = threading.Event()
    failure: list[BaseException] = []

    def drive() -> None:
        try:
            for i in range(rounds):
                acked.extend(signup_round(stack, prefix, i))
                if i == kill_at:
                    reached.set()
                time.sleep(0.02)
        except BaseException as e:  # reported by the main thread
            failure.append(e)
            reached.set()

    driver = threading.Thread(target=drive)
    driver.start()
    reached.wait(60)
    stack.server.kill9()  # batches are in flight: some committed and never answered
    stack.server.start()  # same port and database
    driver.join()
    if failure:
        raise failure[0]
    assert len(acked) == rounds * len(stack.apps)
    assert_exactly_once(stack, prefix, acked)


def test_sdks_ride_out_a_30s_outage_and_deliver_afterwards(stack: vigil_stack.Stack) -> None:
    banned = "outage-banned@example.com"
    stack.server.admin(
        "POST",
        "/api/decisions",
        {"app": stack.app_id, "scope": "user", "ids": {"email": banned}, "reason": "e2e"},
    )
    for app in stack.apps.values():
        wait_for(
            f"{app.lang} to ban {banned}",
            lambda app=app: app.account(banned, "192.0.2.91") == 403,
            timeout=2,
        )

    stack.server.stop()
    time.sleep(0.3)  # an answer the server sent as it stopped is counted by now
    prefix, acked, i = "outage-", [], 0
    sent_before = {name: app.stats()["sent"] for name, app in stack.apps.items()}
    ends = time.monotonic() + OUTAGE_S
    while time.monotonic() < ends:
        acked.extend(signup_round(stack, prefix, i))
        i += 1
        time.sleep(0.5)
    # The last decision snapshot stays in force while the server is away.
    for app in stack.apps.values():
        assert app.account(banned, "192.0.2.91") == 403, f"{app.lang} forgot the ban"
        held = app.stats()
        assert held["sent"] == sent_before[app.name], f"{app.lang} sent with no server?"
        assert held["dropped"] == 0

    stack.server.start()  # same port and database
    assert_exactly_once(stack, prefix, acked)
    for name, app in stack.apps.items():
        delivered = app.stats()["sent"] - sent_before[name]
        assert delivered >= i, f"{app.lang} delivered {delivered} of its {i} held events"
