"""assess and challenge_track on a live client, through a Flask app served over real HTTP on
127.0.0.1; and local mode end to end: a lockout raised by a brute force spares the owner's
known device."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import vigil
from conftest import Browser, FakeServer, serve_wsgi
from vigil import _native

ALICE, BOB, CAROL = "alice", "bob", "carol"
CHALLENGED_IP = "203.0.113.9"


def key(name: str) -> str:
    return vigil.normalize({"username": name}).key


def flask_app():  # type: ignore[no-untyped-def]
    from flask import Flask, jsonify, request
    from vigil.flask import Vigil

    app = Flask(__name__)
    Vigil(app)

    def verdict(a: vigil.Assessment) -> Any:
        return jsonify(
            verdict=a.verdict,
            reasons=list(a.reasons),
            decision_id=a.decision_id,
            device=vigil.current_request().device,  # type: ignore[union-attr]
        )

    @app.get("/assess")
    def assess() -> Any:
        user = request.args.get("user")
        return verdict(vigil.assess(username=user) if user else vigil.assess())

    @app.post("/login")
    def login() -> Any:
        ok = request.form["password"] == "right"
        vigil.auth_track(ok, username=request.form["username"])
        return ("ok", 200) if ok else ("no", 401)

    @app.get("/me")
    def me() -> str:
        vigil.identify({"username": request.args["user"]})
        return "hello"

    @app.post("/challenge")
    def challenge() -> Any:
        queued = vigil.challenge_track(request.form["result"], username=request.form["username"])
        return jsonify(queued=queued)

    @app.get("/device")
    def device() -> Any:
        return jsonify(device=vigil.current_request().device)  # type: ignore[union-attr]

    return app


def decision(id: str, scope: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"id": id, "scope": scope, "value": value, "reason": id, "action": "block", **extra}


def feed(*upserts: dict[str, Any]) -> None:
    doc = {"cursor": 1, "reset": True, "upserts": list(upserts), "deletes": []}
    assert _native._apply_feed(json.dumps(doc)) == 0


def until(fn: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        vigil.flush(0.5)
        time.sleep(0.02)


def test_assess_on_a_live_client() -> None:
    vigil.start(flush_interval_ms=50)
    with serve_wsgi(flask_app()) as url:
        laptop = Browser(url)
        known = laptop.get("/device").json()["device"]
        feed(
            decision("d_alice", "user", key(ALICE), reason="manual"),
            decision("c_bob", "user", key(BOB), action="challenge", reason="new_country"),
            decision("d_carol", "user", key(CAROL), except_devices=[known], reason="lockout"),
            decision("c_ip", "ip", CHALLENGED_IP, action="challenge", reason="hosting"),
        )
        assert laptop.get(f"/assess?user={ALICE}").json() == {
            "verdict": "deny",
            "reasons": ["manual"],
            "decision_id": "d_alice",
            "device": known,
        }
        r = laptop.get(f"/assess?user={BOB}").json()
        assert (r["verdict"], r["reasons"], r["decision_id"]) == (
            "challenge",
            ["new_country"],
            "c_bob",
        )
        # The lockout spares the device it names, and only that one.
        assert laptop.get(f"/assess?user={CAROL}").json()["verdict"] == "allow"
        assert laptop.get(f"/me?user={CAROL}").status == 200
        phone = Browser(url)
        r = phone.get(f"/assess?user={CAROL}").json()
        assert (r["verdict"], r["decision_id"]) == ("deny", "d_carol") and r["device"] != known
        assert phone.get(f"/me?user={CAROL}").status == 403
        # No identifiers: the request's IP, then the user who last logged in from it.
        assert Browser(url).get("/assess").json()["verdict"] == "allow"
        r = Browser(url, forwarded_for=CHALLENGED_IP).get("/assess").json()
        assert (r["verdict"], r["decision_id"]) == ("challenge", "c_ip")
        # Alice from that address: her block and the address's challenge, the block first.
        r = Browser(url, forwarded_for=CHALLENGED_IP).get(f"/assess?user={ALICE}").json()
        assert (r["verdict"], r["reasons"]) == ("deny", ["manual"])
        travel = Browser(url, forwarded_for="198.51.100.20")
        assert travel.post("/login", {"username": BOB, "password": "right"}).status == 200
        assert travel.get("/assess").json()["verdict"] == "challenge"
        # A challenge is not a block: identify lets bob through.
        assert travel.get(f"/me?user={BOB}").status == 200
        # Bob passes the challenge: local mode ends his challenges at the worker's next pass.
        assert travel.post("/challenge", {"username": BOB, "result": "requested"}).json() == {
            "queued": True
        }
        travel.post("/challenge", {"username": BOB, "result": "succeeded"})
        assert until(lambda: travel.get(f"/assess?user={BOB}").json()["verdict"] == "allow")
        assert travel.get("/assess").json()["verdict"] == "allow"
        # Alice's block stays.
        assert laptop.get(f"/assess?user={ALICE}").json()["verdict"] == "deny"


def test_assess_outside_a_request_and_its_result() -> None:
    vigil.start()
    a = vigil.assess(username=ALICE)
    assert a == vigil.assess(username=" alice ")  # normalized like every identifier
    assert (a.verdict, a.reasons, a.decision_id, a.decision, a.decisions) == (
        "allow",
        (),
        None,
        None,
        (),
    )
    assert a.allowed and not a.challenged and not a.denied
    assert repr(a) == "Assessment(verdict='allow', reasons=(), decision_id=None)"
    assert vigil.assess().verdict == "allow"
    feed(decision("d_1", "user", key(ALICE), action="redirect", url="/sorry", reason="r"))
    a = vigil.assess(username=ALICE)
    assert a.denied and a.decision is not None
    assert (a.decision.id, a.decision.action, a.decision.redirect_url) == (
        "d_1",
        "redirect",
        "/sorry",
    )
    assert hash(a) == hash(vigil.assess(username=ALICE)) and a != vigil.assess(username=BOB)
    with pytest.raises(vigil.IdentifierError):
        vigil.assess(username=" ")
    with pytest.raises(TypeError):
        vigil.assess(username=1)  # type: ignore[arg-type]


def test_assess_denied_raises_the_block_response() -> None:
    """`raise vigil.UserBlocked(a.decision)` in a view: the middleware's block response."""
    from flask import Flask
    from vigil.flask import Vigil

    vigil.start()
    app = Flask(__name__)
    Vigil(app)

    @app.get("/pay")
    def pay() -> str:
        a = vigil.assess(username=ALICE)
        if a.denied:
            raise vigil.UserBlocked(a.decision)  # type: ignore[arg-type]
        return "paid"

    with serve_wsgi(app) as url:
        browser = Browser(url)
        assert browser.get("/pay").status == 200
        feed(decision("d_a", "user", key(ALICE)))
        r = browser.get("/pay", Accept="application/json")
        assert r.status == 403 and r.json()["error"]["reference"] == "d_a"


def test_challenge_track_sends_the_event(server: FakeServer) -> None:
    server.start_sdk()
    for result in ("requested", "succeeded", "failed"):
        assert vigil.challenge_track(result, username=ALICE) is True
    assert vigil.flush(3.0)
    events = server.events_of("challenge")
    assert [e["result"] for e in events] == ["requested", "succeeded", "failed"]
    assert events[0]["user"]["key"] == key(ALICE)


def test_a_bad_challenge_result_raises_and_sends_nothing(server: FakeServer) -> None:
    server.start_sdk()
    before = vigil.stats()["enqueued"]
    for bad in ("passed", "", "SUCCEEDED", "succeeded "):
        with pytest.raises(vigil.EventError) as info:
            vigil.challenge_track(bad, username=ALICE)
        assert info.value.code == "invalid_challenge_result"
        assert isinstance(info.value, ValueError)
    with pytest.raises(TypeError):
        vigil.challenge_track(True, username=ALICE)  # type: ignore[arg-type]
    with pytest.raises(vigil.IdentifierError):
        vigil.challenge_track("failed")
    # An identifier named "result" is just an identifier.
    assert vigil.challenge_track("failed", username=ALICE, result="x") is True
    assert vigil.stats()["enqueued"] == before + 1
    assert vigil.flush(3.0)
    (event,) = server.events_of("challenge")
    assert event["user"]["ids"] == {"result": "x", "username": ALICE}


LOCKOUT_TOML = """
[[engine.playbooks]]
name = "lock-attacked-accounts"
trigger = { type = "signal", names = ["brute_force", "distributed_brute_force"] }
actions = [{ type = "block_user", duration = "15m" }]
cooldown = "15m"
"""


def test_local_lockout_spares_the_victims_known_device(tmp_path: Path) -> None:
    """Local mode: a brute force locks the account (lock-attacked-accounts enabled in
    vigil.toml), the owner's known device still gets in, any other device does not."""
    (tmp_path / "vigil.toml").write_text(LOCKOUT_TOML)
    vigil.start(flush_interval_ms=50)
    with serve_wsgi(flask_app()) as url:
        victim = Browser(url, forwarded_for="198.51.100.7")
        assert victim.post("/login", {"username": "victim", "password": "right"}).status == 200
        assert victim.get("/me?user=victim").status == 200
        assert vigil.flush(3.0)
        attacker = Browser(url, forwarded_for="203.0.113.66")
        for _ in range(12):
            # 403 once the brute force blocked the attacker's address (mid-burst).
            r = attacker.post("/login", {"username": "victim", "password": "x"})
            assert r.status in (401, 403)
        other_device = Browser(url, forwarded_for="198.51.100.8")
        assert until(lambda: other_device.get("/me?user=victim").status == 403)
        r = other_device.get("/assess?user=victim").json()
        assert r["verdict"] == "deny"
        lockout_id = r["decision_id"]
        assert r["reasons"] == ["playbook:lock-attacked-accounts"]
        # From the victim's address too: there the victim stands in for anyone unidentified,
        # so the middleware refuses another device before the app runs.
        r = Browser(url, forwarded_for="198.51.100.7").get("/device", Accept="application/json")
        lockout = vigil.assess(username="victim").decision_id  # no device: the block applies
        assert r.status == 403 and r.json()["error"]["reference"] == lockout == lockout_id
        # The owner, on the device they logged in from, from the same address.
        assert victim.get("/me?user=victim").status == 200
        assert victim.get("/assess?user=victim").json()["verdict"] == "allow"
        assert victim.get("/assess").json()["verdict"] == "allow"  # the stand-in, on its device
        # The attacker is refused anyway (the brute force also blocked their address).
        assert attacker.get("/me?user=victim").status == 403
