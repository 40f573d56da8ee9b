#!/usr/bin/env python3
"""`make bench`'s last step: one table of every figure measured in this run, each beside its
peer, printed and written to benches/RESULTS.md with the machine it ran on.

    python3 benches/report.py BENCH_DIR [RESULTS.md]

BENCH_DIR (target/bench) holds what the benchmarks left there during this run: python.jsonl
(bindings-python/bench/bench_calls.py --json), node.jsonl (bindings-node/bench/bench.js with
BENCH_JSON), go-bench.txt (`go test -bench` output), jvm-jmh.json (JMH's `-rf json` of
bindings-jvm/bench's CallsBenchmark), memory.jsonl (the Node, Go and JVM memory programs),
server.txt (scripts/bench-server.sh output), engine-memory.txt (vigil-engine's memory example),
and the `started` stamp. Criterion's estimates are read from
CARGO_TARGET_DIR/criterion, only when written after the stamp: a figure from an earlier run
is never shown as this run's. A figure that is missing is listed, and the exit status is 1.
Standard library only.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

Row = tuple[str, str, str, str, str]  # figure, Vigil, peer, peer's figure, ratio


def ns(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f} ms"
    if x >= 1e3:
        return f"{x / 1e3:.2f} µs"
    return f"{x:.0f} ns"


def ratio(peer: float, vigil: float) -> str:
    """How many times the peer's cost is Vigil's (above 1: Vigil is cheaper)."""
    if vigil <= 0:
        return "-"
    r = peer / vigil
    return f"{r:.1f}x" if r >= 0.1 else f"{r:.2g}x"  # far below 1: two digits, not "0.0x"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Report:
    def __init__(self, bench_dir: Path, criterion_dir: Path) -> None:
        self.dir, self.criterion = bench_dir, criterion_dir
        stamp = bench_dir / "started"
        self.started = stamp.stat().st_mtime if stamp.exists() else 0.0
        self.rows: list[Row] = []
        self.missing: list[str] = []

    def add(self, figure: str, vigil: str, peer: str = "-", peer_fig: str = "-", r: str = "-"):
        self.rows.append((figure, vigil, peer, peer_fig, r))

    def lack(self, figure: str) -> None:
        self.missing.append(figure)
        self.add(figure, "not measured")

    def fresh(self, path: Path) -> bool:
        return path.exists() and path.stat().st_mtime >= self.started

    def criterion_mean_ns(self, group: str, function: str) -> Optional[tuple[float, int]]:
        """(mean ns per iteration, elements per iteration) of one criterion benchmark."""
        base = self.criterion / group / function / "new"
        est, meta = base / "estimates.json", base / "benchmark.json"
        if not (self.fresh(est) and meta.exists()):
            return None
        mean = json.loads(est.read_text())["mean"]["point_estimate"]
        throughput = json.loads(meta.read_text()).get("throughput") or {}
        return float(mean), int(throughput.get("Elements", 1))

    # --- per-call cost -------------------------------------------------------------------

    def sdk_calls(self, lang: str, label: str, ops: list[str], ban_op: str) -> None:
        rows = {r["op"]: r for r in read_jsonl(self.dir / f"{lang}.jsonl") if "vigil" in r}
        for op in ops:
            r = rows.get(op)
            if r is None:
                self.lack(f"{label} {op}")
                continue
            for peer, name in (("segment", "Segment"), ("posthog", "PostHog")):
                if r.get(peer):
                    self.add(
                        f"{label} per call: {op}",
                        ns(r["vigil"]),
                        f"{name} ({label})",
                        ns(r[peer]),
                        ratio(r[peer], r["vigil"]),
                    )
        r = rows.get(ban_op)
        if r is None:
            self.lack(f"{label} ban check")
        else:
            self.add(f"{label} ban check: {ban_op.removeprefix('ban check: ')}", ns(r["vigil"]))

    def go_calls(self) -> None:
        path = self.dir / "go-bench.txt"
        found: dict[str, tuple[float, str]] = {}
        if self.fresh(path):
            for line in path.read_text().splitlines():
                m = re.match(r"^(Benchmark\w+)-\d+\s+\d+\s+([\d.]+) ns/op(?:\s+(\d+) B/op)?", line)
                if m:
                    found[m.group(1)] = (float(m.group(2)), m.group(3) or "?")
        vigil = found.get("BenchmarkVigilTrackAuthSuccess")
        if vigil is None:
            self.lack("Go per call: TrackAuthSuccess")
        else:
            for bench, peer in (
                ("BenchmarkSegmentEnqueueTrack", "Segment analytics-go Enqueue(Track)"),
                ("BenchmarkPostHogEnqueueCapture", "PostHog posthog-go Enqueue(Capture)"),
            ):
                if bench in found:
                    self.add(
                        "Go per call: ForUser(ids).TrackAuthSuccess()",
                        f"{ns(vigil[0])}, {vigil[1]} B",
                        peer,
                        f"{ns(found[bench][0])}, {found[bench][1]} B",
                        ratio(found[bench][0], vigil[0]),
                    )
                else:
                    self.lack(f"Go {peer}")
        for bench, what in (
            ("BenchmarkVigilIdentifyNotBanned", "Go ban check: ForUser(ids).Identify()"),
            ("BenchmarkVigilBanCheckIP", "Go ban check: client IP"),
            ("BenchmarkVigilAssessAllow", "Go verdict: ForUser(ids).Assess(), allow, 10k held"),
            ("BenchmarkVigilAssessChallenge", "Go verdict: ForUser(ids).Assess(), challenge"),
        ):
            if bench in found:
                self.add(what, ns(found[bench][0]))
            else:
                self.lack(what)

    def jvm_calls(self) -> None:
        """JMH's average time (ns/op, ± its 99.9% error) of bindings-jvm/bench's CallsBenchmark."""
        path = self.dir / "jvm-jmh.json"
        found: dict[str, tuple[float, float]] = {}
        if self.fresh(path):
            for r in json.loads(path.read_text()):
                metric = r["primaryMetric"]
                score, error = float(metric["score"]), float(metric["scoreError"])
                found[r["benchmark"].rsplit(".", 1)[-1]] = (score, error)

        def fig(bench: str) -> str:
            score, error = found[bench]
            return ns(score) if math.isnan(error) else f"{ns(score)} ± {ns(error)}"

        for bench, what, peers, goal_ns in (
            (
                "vigilTrackLogin",
                "JVM per call: user().authKey(email).trackLogin(true)",
                (
                    ("segmentEnqueueLogin", "Segment analytics-java enqueue(Track)"),
                    ("posthogCaptureLogin", "PostHog posthog-server capture"),
                ),
                1000.0,
            ),
            (
                "vigilTrackSignup",
                "JVM per call: user().authKey(email).trackSignup()",
                (
                    ("segmentEnqueueSignup", "Segment analytics-java enqueue(Track)"),
                    ("posthogCaptureSignup", "PostHog posthog-server capture"),
                ),
                None,
            ),
            (
                "vigilIdentify",
                "JVM ban check: user().authKey(email).identify()",
                (),
                500.0,
            ),
        ):
            if bench not in found:
                self.lack(what)
                continue
            vigil = found[bench][0]
            for peer_bench, peer in peers:
                if peer_bench in found:
                    self.add(
                        what, fig(bench), peer, fig(peer_bench), ratio(found[peer_bench][0], vigil)
                    )
                else:
                    self.lack(f"JVM {peer}")
            if goal_ns is not None:
                self.add(
                    what, fig(bench), "goal (issue JVM SDK)", ns(goal_ns), ratio(goal_ns, vigil)
                )

    def core(self) -> None:
        for group, fn, what in (
            ("enqueue", "auth_track 1 identifier", "Rust core per call: auth_track"),
            ("ban check (100k decisions)", "user not banned", "Rust core ban check (100k bans)"),
        ):
            got = self.criterion_mean_ns(group, fn)
            if got is None:
                self.lack(what)
            else:
                self.add(what, ns(got[0]))

    # --- engine and server ---------------------------------------------------------------

    def engine(self) -> None:
        group = self.criterion / "engine"
        fns = sorted(p.name for p in group.iterdir()) if group.is_dir() else []
        got = self.criterion_mean_ns("engine", fns[0]) if fns else None
        if got is None:
            self.lack("engine events/s")
        else:
            mean, elements = got
            self.add("engine: events/s on one core", f"{elements / (mean / 1e9):,.0f}")
        path = self.dir / "engine-memory.txt"
        text = path.read_text() if self.fresh(path) else ""
        m = re.search(r"engine: ([\d.]+) MB \((\d+) bytes/user", text)
        if m:
            self.add(
                "engine memory, 1 M users",
                f"{m.group(1)} MB ({m.group(2)} B/user)",
                "goal (engine/README.md)",
                "300 MB",
                f"{300 / float(m.group(1)):.1f}x",
            )
        else:
            self.lack("engine memory, 1 M users")

    def server(self) -> None:
        path = self.dir / "server.txt"
        text = path.read_text() if self.fresh(path) else ""
        sections = re.split(r"^== ", text, flags=re.M)[1:]
        by_db: dict[str, str] = {}
        for sec in sections:
            label = sec.splitlines()[0]
            by_db["PostgreSQL" if label.startswith("PostgreSQL") else "SQLite"] = sec
        for db in ("SQLite", "PostgreSQL"):
            sec = by_db.get(db, "")
            ing = re.search(r"([\d.]+) events/s; ack latency p50 ([\d.]+) ms, p99 ([\d.]+) ms", sec)
            if ing:
                rate = float(ing.group(1))
                self.add(
                    f"server ingest, {db}: events/s (ack p50 / p99)",
                    f"{rate:,.0f} ({ing.group(2)} / {ing.group(3)} ms)",
                    *(
                        ("goal (issue #4)", "100,000", f"{rate / 100_000:.2f}x")
                        if db == "SQLite"
                        else ()
                    ),
                )
            else:
                self.lack(f"server ingest, {db}")
            caught = re.search(
                r"engine: caught up ([\d.]+) s after the last ack \(([\d.]+) events/s", sec
            )
            if caught:
                self.add(
                    f"engine runner, {db}: catch-up after the ingest burst (events/s overall)",
                    f"{caught.group(1)} s ({float(caught.group(2)):,.0f})",
                )
            prop = re.search(
                r"propagation: (\d+) decisions to (\d+) long polls: (\d+) deliveries, (\d+) "
                r"missing; p50 ([\d.]+) ms, p99 ([\d.]+) ms",
                sec,
            )
            if prop:
                self.add(
                    f"decision propagation, {db}: p50 / p99 "
                    f"({prop.group(1)} decisions x {prop.group(2)} long polls, "
                    f"{prop.group(4)} missing)",
                    f"{prop.group(5)} / {prop.group(6)} ms",
                    "goal (docs/protocol.md): p99",
                    "1000 ms",
                    f"{1000 / max(float(prop.group(6)), 0.1):.0f}x",
                )
            else:
                self.lack(f"decision propagation, {db}")

    def memory(self) -> None:
        rows = {r["lang"]: r for r in read_jsonl(self.dir / "memory.jsonl")}
        for r in read_jsonl(self.dir / "python.jsonl"):
            if r.get("op") == "memory":
                rows["python"] = r
        for lang, label in (("python", "Python"), ("node", "Node"), ("go", "Go"), ("jvm", "JVM")):
            r = rows.get(lang)
            if r is None:
                self.lack(f"{label} SDK memory after 1 M calls, server down")
                continue
            before, after = r["rss_before_kib"] / 1024, r["rss_after_kib"] / 1024
            self.add(
                f"{label} SDK RSS growth over {r['calls']:,} calls, server down",
                f"+{after - before:.1f} MiB ({before:.0f} -> {after:.0f} MiB), "
                f"{r['queued']:,} held",
                *(self.memory_goal(after - before) if lang == "jvm" else ()),
            )
            if "heap_before_kib" in r:
                before, after = r["heap_before_kib"] / 1024, r["heap_after_kib"] / 1024
                self.add(
                    f"{label} SDK heap growth over {r['calls']:,} calls (after System.gc())",
                    f"+{after - before:.1f} MiB ({before:.0f} -> {after:.0f} MiB)",
                    *self.memory_goal(after - before),
                )
            if "rss_settled_kib" in r:
                rss = (r["rss_settled_kib"] - r["rss_before_kib"]) / 1024
                heap = (r["heap_settled_kib"] - r["heap_before_kib"]) / 1024
                self.add(
                    f"{label} SDK growth once idle {r['settle_seconds']:.0f} s after the calls:"
                    " RSS / heap",
                    f"+{rss:.1f} / +{heap:.1f} MiB",
                )

    @staticmethod
    def memory_goal(growth_mib: float) -> tuple[str, str, str]:
        """The JVM SDK's goal (issue JVM SDK): at most 10 MB of growth."""
        goal_mib = 10e6 / 2**20
        met = "met" if growth_mib <= 0 else ratio(goal_mib, growth_mib)
        return "goal (issue JVM SDK)", "+10 MB", met


def machine() -> list[str]:
    def run(*argv: str) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            out = done.stdout.strip() or done.stderr.strip()  # `java -version` writes to stderr
            return out.splitlines()[0] if out else "?"
        except (OSError, subprocess.SubprocessError):
            return "?"

    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    load = Path("/proc/loadavg").read_text().split()[:3]
    return [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores (nproc)",
        f"- memory: {mem_kib / 1024 / 1024:.1f} GiB",
        f"- load average (1, 5, 15 min) at the end of the run: {' '.join(load)}",
        f"- OS: {platform.system()} {platform.release()}",
        f"- {run('rustc', '--version')}; {run('go', 'version')}; node {run('node', '--version')};"
        f" Python {platform.python_version()}; {run('java', '-version')}",
    ]


def table(rows: list[Row]) -> list[str]:
    head = ("figure", "Vigil", "peer", "peer's figure", "peer / Vigil")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [line(head), sep, *(line(r) for r in rows)]


def main() -> int:
    bench_dir = Path(sys.argv[1])
    results = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    target = Path(os.environ.get("CARGO_TARGET_DIR", bench_dir.parent))
    rep = Report(bench_dir, target / "criterion")
    rep.sdk_calls(
        "python",
        "Python",
        [
            "auth_track(True, username='alice')",
            "signup_track(username='alice')",
            "track('order.paid', 2 properties)",
        ],
        "identify({'username': 'alice'})",
    )
    rep.sdk_calls(
        "node",
        "Node",
        ["auth_track(true, {username})", "signup_track({username})", "track(event, 2 properties)"],
        "ban check: userIsBanned(req)",
    )
    rep.go_calls()
    rep.jvm_calls()
    rep.core()
    rep.engine()
    rep.server()
    rep.memory()

    lines = table(rep.rows)
    print("\n".join(lines))
    if results is not None:
        doc = [
            "# Benchmark results",
            "",
            "Written by `make bench` (benches/report.py): every figure below was measured in",
            "the same run, on the machine described here. Per-call costs are medians (Python,",
            "Node) or means (Go, Rust, JVM: JMH's average time, ± its 99.9% error) on the",
            "calling thread, with every client pointed at a",
            'closed port on 127.0.0.1; "peer / Vigil" above 1 means Vigil is cheaper. Server',
            "figures come from `vigil-tools loadgen` (scripts/bench-server.sh) on loopback.",
            "",
            "## Machine",
            "",
            *machine(),
            "",
            "## Results",
            "",
            *lines,
            "",
        ]
        if rep.missing:
            doc += ["Not measured in this run: " + "; ".join(rep.missing), ""]
        results.write_text("\n".join(doc))
        print(f"\nwritten to {results}")
    if rep.missing:
        print("not measured in this run: " + "; ".join(rep.missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
