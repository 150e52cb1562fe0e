"""`make bench ONLY=live`: open boards on one web process, and how soon each sees a new incident.

Starts `dutyroom serve --workers 1` (gunicorn gthread, the production server) on a scratch SQLite
database and opens BENCH_LIVE_CLIENTS (default 1,000) board clients that behave as the page's script:
a conditional GET of /board/version (with the page's signed token) each second, If-None-Match, on
kept-alive connections, and a GET of /board/fragment/ only when the version changed. A writer creates
BENCH_LIVE_EVENTS incidents (default 10), BENCH_LIVE_GAP seconds apart (default 3). Event-to-screen
latency per client and event = when the client holds the fragment that shows it minus the commit.
Figures: live_p99_ms (goal <= 1500), live_p50_ms, live_max_ms, live_clients, live_missed,
live_server_cpu_percent (one core = 100), and where the time goes: live_wait_p99_ms (commit to the next poll
leaving: at most the 1 s period plus the generator's own lateness), live_version_rtt_p99_ms,
live_fragment_rtt_p99_ms, live_generator_late_p99_ms (how late this process sent a poll after its tick: the
load generator shares the cores with the server, so its lateness is reported apart from the server's), and
live_client_cpu_percent. Clients keep their poll phase as the page's setInterval does (a late poll does not
shift the next one), so phases stay spread. Runs on SQLite and, with BENCH_PG_URL, on PostgreSQL
(``run_per_database``); the TOTP step is off as in every page bench (a duty officer's session without it
got a redirect instead of the fragment). Asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.figures import Figure, figure, run_per_database  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_LIVE_CLIENTS", "1000"))
EVENTS = int(os.environ.get("BENCH_LIVE_EVENTS", "10"))
GAP = float(os.environ.get("BENCH_LIVE_GAP", "3"))
POLL = 1.0


def session_cookie(username: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from dutyroom.accounts.models import User

    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"sessionid={store.session_key}"


async def request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str]]:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    writer.write("\r\n".join(lines).encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *rest = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    got = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in rest if ":" in h)}
    length = int(got.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    return status, got


class Client:
    """One open board, polling as app.js does: a tick every POLL seconds at a fixed phase (setInterval), a
    tick skipped while the previous poll is still out, the fragment only when the version changed."""

    def __init__(self, port: int, cookie: str, token: str) -> None:
        self.port, self.cookie, self.token = port, cookie, token
        self.fragments: list[tuple[float, float]] = []  # (request sent, fragment received)
        self.polls: list[float] = []  # when each version request left
        self.errors = 0
        self.bad_fragments = 0
        self.rtts: list[float] = []
        self.late: list[float] = []  # how long after its tick this process got round to sending the poll

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def run(self, until: float) -> None:
        tick = time.time() + random.random() * POLL
        etag = ""
        conn = None
        while tick < until:
            await asyncio.sleep(max(0.0, tick - time.time()))
            started = time.time()
            self.late.append(started - tick)
            try:
                if conn is None:
                    conn = await self.connect()
                headers = {"If-None-Match": etag} if etag else {}
                self.polls.append(started)
                status, got = await request(*conn, f"/board/version?t={self.token}", headers)
                self.rtts.append(time.time() - started)
                if status == 200:
                    etag = got.get("etag", "")
                    sent = time.time()
                    fragment, _ = await request(
                        *conn, f"/board/fragment/?t={self.token}&v={etag.strip(chr(34))}", {"Cookie": self.cookie}
                    )
                    if fragment == 200:
                        self.fragments.append((sent, time.time()))
                    else:  # a redirect (login, second factor) is not a board: never count it as seen
                        self.bad_fragments += 1
                if got.get("connection", "").lower() == "close":
                    conn[1].close()
                    conn = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.errors += 1
                if conn is not None:
                    conn[1].close()
                conn = None
            tick += POLL
            while tick < time.time():  # setInterval: a tick that passed while the poll was out is skipped
                tick += POLL


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                pass
    return found


def writer(commits: list[float], start_at: float) -> None:
    from dutyroom.accounts.models import User
    from dutyroom.common.clock import now as clock_now
    from dutyroom.incidents.services import IncidentInput, incident_create

    reporter = User.objects.get(username="shaxi-reporter")
    time.sleep(max(0.0, start_at - time.time()))
    for k in range(EVENTS):
        now = clock_now()
        incident_create(
            actor=reporter,
            now=now,
            data=IncidentInput(
                title=f"测评事件 {k}",
                category="accident",
                subtype="fire",
                grade="IV",
                occurred_at=now - timedelta(minutes=1),
            ),
        )
        commits.append(time.time())
        time.sleep(GAP)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] * 1000 if ordered else float("nan")


def serve_and_poll(port: int) -> tuple[list[Client], list[float], float, float, float, float]:
    """Start one web process, run the clients and the writer; (clients, commits, end, server %, client %, wall)."""
    from dutyroom.accounts.models import User
    from dutyroom.web.views.live import live_token

    cookies = [session_cookie("duty-officer") for _ in range(20)]
    env = {**os.environ, "WEB_CONCURRENCY": "1"}
    log = (Path(os.environ["DUTYROOM_DATA_DIR"]) / "server.log").open("w")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/dutyroom"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        time.sleep(4)
        pids = [server.pid, *children(server.pid)]
        warmup = 4.0 + CLIENTS / 400
        start = time.time()
        until = start + warmup + EVENTS * GAP + 3
        commits: list[float] = []
        thread = threading.Thread(target=writer, args=(commits, start + warmup), daemon=True)
        thread.start()
        cpu_before, wall_before = cpu_seconds(pids), time.time()
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        token = live_token(User.objects.get(username="duty-officer"))
        clients = [Client(port, cookies[i % len(cookies)], token) for i in range(CLIENTS)]

        async def all_clients() -> None:
            await asyncio.gather(*(c.run(until) for c in clients))

        asyncio.run(all_clients())
        wall = time.time() - wall_before
        cpu = (cpu_seconds(pids) - cpu_before) / wall * 100
        own = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime) / wall * 100
        thread.join()
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    return clients, commits, until, cpu, client_cpu, wall


BARE_SECONDS = float(os.environ.get("BENCH_LIVE_BARE_SECONDS", "15"))


def bare_baseline(port: int) -> tuple[float, float, float]:
    """(server µs per request, round-trip p99 ms, generator lateness p99 ms) of the same clients against
    gunicorn answering a constant 304 (``bench/_live_bare.py``), with the server settings ``dutyroom serve``
    uses; run before the product, in the same process, so both see the same machine."""
    from dutyroom.commands import THREADS

    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--worker-connections",
            "2000",
            "--keep-alive",
            "5",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT / "bench"),
            "_live_bare:app",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        pids = [server.pid, *children(server.pid)]
        until = time.time() + BARE_SECONDS
        clients = [Client(port, "", "bare") for _ in range(CLIENTS)]
        cpu_before = cpu_seconds(pids)

        async def all_clients() -> None:
            await asyncio.gather(*(c.run(until) for c in clients))

        asyncio.run(all_clients())
        cpu = cpu_seconds(pids) - cpu_before
    finally:
        server.terminate()
        server.wait(10)
    rtts = [r for c in clients for r in c.rtts]
    late = [x for c in clients for x in c.late]
    return (cpu / len(rtts) * 1e6 if rtts else 0.0), pct(rtts, 0.99), pct(late, 0.99)


def measure(db: str) -> list[Figure]:
    print(
        f"live ({db}): {CLIENTS} board clients on one web process, {EVENTS} events {GAP:g} s apart "
        f"(BENCH_LIVE_CLIENTS, BENCH_LIVE_EVENTS, BENCH_LIVE_GAP); load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    bare_us, bare_rtt, bare_late = bare_baseline(20000 + random.randrange(20000))
    print(
        f"  baseline (gunicorn answering a constant 304): {bare_us:.0f} µs of server CPU per request, "
        f"round trip p99 {bare_rtt:.0f} ms, generator lateness p99 {bare_late:.0f} ms",
        flush=True,
    )
    clients, commits, until, cpu, client_cpu, wall = serve_and_poll(20000 + random.randrange(20000))
    latencies: list[float] = []
    waits: list[float] = []
    missed = 0
    for k, commit in enumerate(commits):
        nxt = commits[k + 1] if k + 1 < len(commits) else until
        for c in clients:
            seen = [done for sent, done in c.fragments if sent >= commit and done <= nxt + 2]
            if seen:
                latencies.append(min(seen) - commit)
            else:
                missed += 1
            after = [p for p in c.polls if p >= commit]
            if after:
                waits.append(after[0] - commit)
    errors = sum(c.errors for c in clients)
    bad = sum(c.bad_fragments for c in clients)
    rtts = [r for c in clients for r in c.rtts]
    frags = [done - sent for c in clients for sent, done in c.fragments]
    late = [x for c in clients for x in c.late]
    served = len(rtts) + len(frags) + bad
    per_request = cpu / 100 * wall / served * 1e6 if served else 0.0  # server CPU per request answered
    print(
        f"  {len(latencies)} observations, {errors} client errors, {bad} fragment answers not 200; "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(
        f"  wait for the next poll p50 {pct(waits, 0.5):.0f} p99 {pct(waits, 0.99):.0f} ms; "
        f"version round trip p50 {pct(rtts, 0.5):.0f} p99 {pct(rtts, 0.99):.0f} ms; "
        f"fragment p50 {pct(frags, 0.5):.0f} p99 {pct(frags, 0.99):.0f} ms; "
        f"generator lateness p50 {pct(late, 0.5):.0f} p99 {pct(late, 0.99):.0f} ms",
        flush=True,
    )
    p99 = pct(latencies, 0.99)
    return [
        figure("live_p99_ms", p99, "ms", goal="<= 1500", met=bool(latencies) and p99 <= 1500 and missed == 0, db=db),
        figure("live_p50_ms", pct(latencies, 0.5), "ms", db=db),
        figure("live_max_ms", pct(latencies, 1.0), "ms", db=db),
        figure("live_clients", CLIENTS, "clients", goal=">= 1000", met=CLIENTS >= 1000, db=db),
        figure("live_missed", missed, "count", goal="0", met=missed == 0, db=db),
        figure("live_errors", errors + bad, "count", goal="0", met=errors + bad == 0, db=db),
        figure("live_server_cpu_percent", cpu, "%", db=db),
        figure("live_client_cpu_percent", client_cpu, "%", db=db),
        figure("live_server_us_per_request", per_request, "us", baseline=round(bare_us, 1), db=db),
        figure("live_wait_p99_ms", pct(waits, 0.99), "ms", db=db),
        figure("live_version_rtt_p99_ms", pct(rtts, 0.99), "ms", baseline=round(bare_rtt, 1), db=db),
        figure("live_fragment_rtt_p99_ms", pct(frags, 0.99), "ms", db=db),
        figure("live_generator_late_p99_ms", pct(late, 0.99), "ms", baseline=round(bare_late, 1), db=db),
        figure("live_load_average", os.getloadavg()[0], "load", db=db),
    ]


def main() -> None:
    run_per_database("live", measure)


if __name__ == "__main__":
    main()
