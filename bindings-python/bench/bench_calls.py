"""Per-call cost of the tracking calls, next to Segment's and PostHog's Python clients.

Every client points at a closed port on 127.0.0.1, so nothing is delivered and the figures
are the cost the calling thread pays. Prints median ns per call (the checks on a request's
path, identify and assess, also inside a request with 1 000 decisions held), then the RSS
growth of 1 M `auth_track` calls with the server down.

    python bench/bench_calls.py [--number N] [--peer-number N] [--repeat R] [--rss-calls N]
                                [--json FILE]

``--json`` appends one JSON line per figure to FILE, for `make bench`'s summary table.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import statistics
import timeit
from typing import Any, Callable, Optional

import vigil
from vigil import _native
from vigil._context import request_var

DOWN = "http://127.0.0.1:9"


def median_ns(fn: Callable[[], Any], number: int, repeat: int) -> float:
    fn()  # warm up (lazy starts, caches)
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e9


def segment_client() -> Optional[Any]:
    try:
        from segment.analytics import Client
    except ImportError:
        return None
    logging.getLogger("segment").disabled = True
    # max_queue_size large enough that the timed calls enqueue rather than drop.
    return Client("write-key", host=DOWN, max_queue_size=10_000_000, max_retries=0, sync_mode=False)


def posthog_client() -> Optional[Any]:
    try:
        from posthog import Posthog
    except ImportError:
        return None
    logging.getLogger("posthog").disabled = True
    return Posthog("phc_key", host=DOWN, max_queue_size=10_000_000, max_retries=0)


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--number", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=7)
    # Peers cost 100 to 1 000 times more per call: fewer calls give as stable a median.
    p.add_argument("--peer-number", type=int, default=5_000)
    p.add_argument("--rss-calls", type=int, default=1_000_000)
    p.add_argument("--json", help="append JSON lines with every figure to this file")
    a = p.parse_args()

    def record(**fields: Any) -> None:
        if a.json:
            with open(a.json, "a") as f:
                f.write(json.dumps({"lang": "python", **fields}) + "\n")

    vigil.start(url=DOWN, token="bench", request_timeout_ms=200)
    seg, ph = segment_client(), posthog_client()
    props = {"plan": "pro", "amount": 12.5}

    rows: list[
        tuple[str, Callable[[], Any], Optional[Callable[[], Any]], Optional[Callable[[], Any]]]
    ] = [
        (
            "auth_track(True, username='alice')",
            lambda: vigil.auth_track(True, username="alice"),
            seg and (lambda: seg.track("alice", "login")),
            ph and (lambda: ph.capture("login", distinct_id="alice")),
        ),
        (
            "signup_track(username='alice')",
            lambda: vigil.signup_track(username="alice"),
            seg and (lambda: seg.track("alice", "signup")),
            ph and (lambda: ph.capture("signup", distinct_id="alice")),
        ),
        (
            "track('order.paid', 2 properties)",
            lambda: vigil.track("order.paid", properties=props),
            seg and (lambda: seg.track("alice", "order.paid", props)),
            ph and (lambda: ph.capture("order.paid", distinct_id="alice", properties=props)),
        ),
        (
            "identify({'username': 'alice'})",
            lambda: vigil.identify({"username": "alice"}),
            None,
            None,
        ),
        (
            "assess(username='alice')",
            lambda: vigil.assess(username="alice"),
            None,
            None,
        ),
    ]
    # The same checks as a middleware's request sees them (its IP and device), with decisions
    # to look through: 1 000 user blocks, none of them alice's.
    in_request: list[tuple[str, Callable[[], Any]]] = [
        (
            "req: identify({'username': 'alice'})",
            lambda: vigil.identify({"username": "alice"}),
        ),
        ("req: assess(username='alice')", lambda: vigil.assess(username="alice")),
        ("req: assess() (the request's IP)", lambda: vigil.assess()),
    ]

    def cell(x: Optional[float]) -> str:
        return f"{x:>10.0f}" if x is not None else f"{'-':>10}"

    def ratio(x: Optional[float], v: float) -> str:
        return f"{x / v:>8.1f}x" if x is not None else f"{'-':>9}"

    print(
        f"median ns per call ({a.repeat} runs of {a.number} calls, {a.peer_number} for peers); "
        f"peers at {DOWN}"
    )
    header = ("call", "vigil", "segment", "posthog", "seg/vigil", "ph/vigil")
    print(
        f"{header[0]:<36} "
        + " ".join(f"{h:>10}" if i < 3 else f"{h:>9}" for i, h in enumerate(header[1:]))
    )
    for name, v_fn, s_fn, p_fn in rows:
        v = median_ns(v_fn, a.number, a.repeat)
        s = median_ns(s_fn, a.peer_number, a.repeat) if s_fn else None
        ph_ns = median_ns(p_fn, a.peer_number, a.repeat) if p_fn else None
        print(f"{name:<36} {v:>10.0f} {cell(s)} {cell(ph_ns)} {ratio(s, v)} {ratio(ph_ns, v)}")
        record(op=name, unit="ns/call", vigil=v, segment=s, posthog=ph_ns)

    blocks = [
        {"id": f"d{i}", "scope": "user", "value": f"u_{i:032x}", "action": "block", "reason": "b"}
        for i in range(1000)
    ]
    feed = {"cursor": 1, "reset": True, "upserts": blocks, "deletes": []}
    _native._apply_feed(json.dumps(feed))
    request = _native.EdgePolicy().request("192.0.2.1", None, "bench", "GET", "/")
    token = request_var.set(request)
    for name, v_fn in in_request:
        v = median_ns(v_fn, a.number, a.repeat)
        print(f"{name:<36} {v:>10.0f} {cell(None)} {cell(None)} {ratio(None, v)} {ratio(None, v)}")
        record(op=name, unit="ns/call", vigil=v, segment=None, posthog=None)
    request_var.reset(token)

    # Stop the other clients' threads so they do not skew the RSS figure.
    for c in (seg, ph):
        if c is not None:
            with contextlib.suppress(Exception):
                c.shutdown()
    vigil.start(url=DOWN, token="bench", request_timeout_ms=200)
    for _ in range(20_000):  # let allocator pools reach steady state first
        vigil.auth_track(True, username="alice")
    gc.collect()
    before = rss_kib()
    for _ in range(a.rss_calls):
        vigil.auth_track(True, username="alice")
    gc.collect()
    after = rss_kib()
    s = vigil.stats()
    record(
        op="memory",
        calls=a.rss_calls,
        rss_before_kib=before,
        rss_after_kib=after,
        queued=s["queued"],
        dropped=s["dropped"],
    )
    print(
        f"\nRSS after {a.rss_calls:,} auth_track calls with the server down: "
        f"{before / 1024:.1f} MiB -> {after / 1024:.1f} MiB "
        f"(+{(after - before) / 1024:.1f} MiB); queued {s['queued']}, dropped {s['dropped']}"
    )
    vigil.shutdown(0.5)


if __name__ == "__main__":
    main()
