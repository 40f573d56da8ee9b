"""The stack of `make demo` and tests/e2e: vigil-server on an SQLite file and the three
example apps (Flask, Express, net/http) pointed at it, each in its own process group.

Standard library only. The artifacts are built by the Makefile (`make examples-build`):
the server binary, the Python SDK in target/venv, the Node addon with the Express app's
packages, and the Go app's binary; `missing_artifacts()` says what is absent.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
SERVER_BIN = Path(os.environ.get("VIGIL_SERVER_BIN", TARGET / "debug" / "vigil-server"))
VENV_PY = TARGET / "venv" / "bin" / "python"
GO_APP_BIN = TARGET / "examples" / "go-app"
EXPRESS_DIR = ROOT / "examples" / "express-app"
FLASK_APP = ROOT / "examples" / "flask-app" / "app.py"

APP_NAMES = ("flask", "express", "go")
LANG = {"flask": "Python", "express": "Node", "go": "Go"}


def missing_artifacts() -> list[str]:
    """What `make examples-build` should have built and is not there."""
    checks = {
        str(SERVER_BIN): SERVER_BIN.exists(),
        str(VENV_PY) + " with vigil and flask": VENV_PY.exists(),
        str(EXPRESS_DIR / "node_modules" / "vigil-sdk"): (
            EXPRESS_DIR / "node_modules" / "vigil-sdk"
        ).exists(),
        str(GO_APP_BIN): GO_APP_BIN.exists(),
    }
    return [what for what, ok in checks.items() if not ok]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    method: str,
    url: str,
    *,
    ip: Optional[str] = None,
    form: Optional[dict[str, str]] = None,
    headers: Optional[dict[str, str]] = None,
    body: Optional[bytes] = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    """One HTTP request; (status, parsed JSON or text). `ip` becomes X-Forwarded-For, which
    the example apps trust from loopback: the driver speaks for that client IP."""
    data = urllib.parse.urlencode(form).encode() if form is not None else body
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if ip:
        req.add_header("X-Forwarded-For", ip)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


class Proc:
    """A child in its own process group, so stopping it also stops what it started
    (`go run`, npm, werkzeug's reloader would be children)."""

    def __init__(self, name: str, argv: list[str], log: Path, **kw: Any) -> None:
        self.name, self.argv, self.log_path, self.kw = name, argv, log, kw
        self.popen: Optional[subprocess.Popen[bytes]] = None
        self.start()

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **self.kw,
            )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM (the graceful path: servers drain, SDKs flush), SIGKILL after `timeout`."""
        if self.popen is None:
            return
        if self.alive:
            self.signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.popen.wait()
        self.signal_group(signal.SIGKILL)  # anything left in the group

    def kill9(self) -> None:
        assert self.popen is not None
        self.signal_group(signal.SIGKILL)
        self.popen.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_http(url: str, proc: Proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            status, _ = request("GET", url, timeout=1)
            if status < 500:
                return
        if not proc.alive:
            raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{proc.name} not answering {url} after {timeout:.0f} s")
        time.sleep(0.05)


class Server:
    """vigil-server on an SQLite file in `workdir`, on a fixed port across restarts."""

    def __init__(self, workdir: Path, config: str = "", admin_token: Optional[str] = None):
        self.workdir = workdir
        self.db = f"sqlite://{workdir}/vigil.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = admin_token or "admin-" + os.urandom(16).hex()
        self.config_path = workdir / "vigil.toml"
        # The server's own URL, for settings that name it (e.g. `public_url` for notice links).
        self.config_path.write_text(config.replace("@SERVER_URL@", self.url))
        self.proc: Optional[Proc] = None

    def create_app(self, name: str) -> tuple[int, str]:
        """(app id, app token), through the CLI as an operator would."""
        out = subprocess.run(
            [str(SERVER_BIN), "app", "create", name, "--db", self.db],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        found = re.search(r"id (\d+)", out[0])
        if found is None:
            raise RuntimeError(f"unexpected `app create` output: {out}")
        return int(found.group(1)), out[-1].strip()

    def start(self) -> None:
        argv = [str(SERVER_BIN), "serve", "--listen", f"127.0.0.1:{self.port}"]
        argv += ["--db", self.db, "--config", str(self.config_path)]
        env = {**os.environ, "VIGIL_ADMIN_TOKEN": self.admin_token}
        self.proc = Proc("vigil-server", argv, self.workdir / "server.log", env=env)
        wait_http(self.url + "/readyz", self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill9()

    def admin(self, method: str, path: str, payload: Any = None) -> Any:
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        status, data = request(method, self.url + path, headers=headers, body=body)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {data}")
        return data

    def metric(self, name: str) -> float:
        """Sum of a counter's samples in /metrics (0 when absent)."""
        _, text = request("GET", self.url + "/metrics")
        total = 0.0
        for line in str(text).splitlines():
            if line.startswith(name) and not line.startswith("#"):
                head = line.split()[0]
                if head == name or head.startswith(name + "{"):
                    total += float(line.split()[-1])
        return total


class Browser:
    """One person's browser: keeps the cookies the apps set (Vigil's device cookie among
    them), so its requests come from one device."""

    def __init__(self, ip: str) -> None:
        self.ip = ip
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def send(
        self,
        method: str,
        url: str,
        form: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> tuple[int, Any]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        req.add_header("X-Forwarded-For", self.ip)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=10) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")


class App:
    def __init__(self, name: str, proc: Proc, url: str) -> None:
        self.name, self.proc, self.url = name, proc, url
        self.lang = LANG[name]

    def post(self, path: str, ip: str, **form: str) -> int:
        return request("POST", self.url + path, ip=ip, form=form)[0]

    def account(self, email: str, ip: str) -> int:
        return request("GET", self.url + "/account", ip=ip, headers={"X-User": email})[0]

    def stats(self) -> dict[str, Any]:
        status, data = request("GET", self.url + "/stats")
        if status != 200 or not isinstance(data, dict):
            raise RuntimeError(f"{self.name} /stats: {status} {data}")
        return data


def start_apps(
    apps: dict[str, App], workdir: Path, server_url: str, token: str, **vigil_env: str
) -> None:
    """Starts the three example apps on free ports, configured through VIGIL_* variables,
    into `apps` as they start (so a caller interrupted while waiting can still stop them)."""
    base = {**os.environ, "VIGIL_URL": server_url, "VIGIL_TOKEN": token}
    # Deliver within 100 ms: the demo and the tests measure how fast attacks are stopped.
    base.setdefault("VIGIL_FLUSH_INTERVAL_MS", "100")
    base.update({f"VIGIL_{k.upper()}": v for k, v in vigil_env.items()})
    commands = {
        "flask": [str(VENV_PY), str(FLASK_APP)],
        "express": ["node", str(EXPRESS_DIR / "server.js")],
        "go": [str(GO_APP_BIN)],
    }
    for name, argv in commands.items():
        port = free_port()
        env = {**base, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
        proc = Proc(f"{name}-app", argv, workdir / f"{name}-app.log", env=env)
        apps[name] = App(name, proc, f"http://127.0.0.1:{port}")
    for app in apps.values():
        wait_http(app.url + "/healthz", app.proc)


class Stack:
    """Server + app + the three example apps; `close()` stops everything, apps first so
    their SDKs deliver what they hold while the server still runs."""

    def __init__(
        self,
        config: str = "",
        workdir: Optional[Path] = None,
        admin_token: Optional[str] = None,
        **vigil_env: str,
    ) -> None:
        missing = missing_artifacts()
        if missing:
            raise RuntimeError("not built (run `make examples-build`): " + ", ".join(missing))
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="vigil-stack-"))
        self.server = Server(self.workdir, config, admin_token)
        self.apps: dict[str, App] = {}
        self.app_id, self.token = self.server.create_app("example-shop")
        try:
            self.server.start()
            start_apps(self.apps, self.workdir, self.server.url, self.token, **vigil_env)
        except BaseException:  # Ctrl-C included: leave no child behind
            self.close()
            raise

    def close(self) -> None:
        for app in self.apps.values():
            app.proc.stop()
        self.server.stop()

    def events(self) -> list[dict[str, Any]]:
        """The app's stored events (newest first), at most 1000: the admin API's limit."""
        rows = self.server.admin("GET", f"/api/events?app={self.app_id}&limit=1000")
        assert isinstance(rows, list)
        return rows

    def decisions(self) -> list[dict[str, Any]]:
        rows = self.server.admin("GET", f"/api/decisions?app={self.app_id}")
        assert isinstance(rows, list)
        return rows
