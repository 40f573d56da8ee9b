"""Flask + Vigil's Python SDK: the example app of `make demo` and the e2e tests.

The same small surface as examples/express-app and examples/go-app:

    POST /signup   form email, password   -> signup_track(email=...)
    POST /login    form email, password   -> auth_track(ok, email=...)
    GET  /account  header X-User (a stand-in session) -> identify(...), 403 when banned;
                   then assess(...): 401 {"challenge": ...} when Vigil asks for proof
    POST /challenge form email, code -> challenge_track("succeeded" | "failed", email=...)
    GET  /stats    the SDK's counters (JSON), for the tests and the demo's progress
    GET  /healthz  ok

Configured by environment: PORT, and the SDK's own VIGIL_URL, VIGIL_TOKEN, VIGIL_* (see
docs/configuration.md). X-Forwarded-For is trusted from loopback only (the SDK's default
trusted proxies are loopback and private networks), so a driver on 127.0.0.1 can speak for
many client IPs.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Any

import vigil
from flask import Flask, jsonify, request
from vigil.flask import Vigil

log = logging.getLogger("flask-app")

app = Flask(__name__)
# Loopback only: in this example the driver is the only proxy.
Vigil(app, trusted_proxies=["127.0.0.0/8", "::1/128"])

_users: dict[str, str] = {}  # email -> password: a stand-in for a real user store
_lock = threading.Lock()


def _form() -> tuple[str, str]:
    return request.form.get("email", "").strip(), request.form.get("password", "")


@app.post("/signup")
def signup() -> Any:
    email, password = _form()
    if not email:
        return jsonify(error="email required"), 400
    with _lock:
        _users[email] = password
    vigil.signup_track(email=email)
    return jsonify(ok=True, user=email)


@app.post("/login")
def login() -> Any:
    email, password = _form()
    with _lock:
        known = email in _users
        ok = known and _users[email] == password
    if ok:
        vigil.auth_track(True, email=email)
        return jsonify(ok=True, user=email)
    if known:
        vigil.auth_track(False, email=email)
    else:
        vigil.auth_track(False, vigil.AccountExists(False), email=email)
    return jsonify(ok=False), 401


@app.get("/account")
def account() -> Any:
    email = request.headers.get("X-User", "")
    if not email:
        return jsonify(error="not logged in"), 401
    # Raises vigil.UserBlocked when banned; the Flask extension answers it with a 403.
    vigil.identify({"email": email})
    # A sign-in Vigil finds suspicious (a new country, impossible travel) is asked to prove
    # itself: a real app would ask for an MFA code here.
    verdict = vigil.assess(email=email)
    if verdict.verdict == "challenge":
        vigil.challenge_track("requested", email=email)
        return jsonify(challenge="mfa", reasons=list(verdict.reasons)), 401
    return jsonify(ok=True, user=email)


# The stand-in for a one-time code: the account's owner has it, an attacker with only the
# password does not.
MFA_CODE = "424242"


@app.post("/challenge")
def challenge() -> Any:
    email = request.form.get("email", "").strip()
    passed = request.form.get("code", "") == MFA_CODE
    vigil.challenge_track("succeeded" if passed else "failed", email=email)
    return jsonify(ok=passed), 200 if passed else 401


@app.get("/stats")
def stats() -> Any:
    return jsonify(vigil.stats())


@app.get("/healthz")
def healthz() -> Any:
    return "ok"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="flask-app: %(message)s")
    try:
        vigil.start()  # VIGIL_URL, VIGIL_TOKEN, ... from the environment
    except Exception:
        # Vigil never takes the host app down: serve unprotected and say why.
        log.exception("Vigil did not start; serving without protection")

    # SIGTERM exits through SystemExit so atexit runs and the SDK flushes what it holds.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "8001"))
    app.run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    main()
