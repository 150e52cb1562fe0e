"""`make bench ONLY=live`: open boards on one web process, and how soon each sees a new incident.

Starts `dutyroom serve --workers 1` (gunicorn gthread, the production server) on a scratch SQLite
database and opens BENCH_LIVE_CLIENTS (default 1,000) board clients that behave as the page's script:
a conditional GET of /board/version (with the page's signed token) each second, If-None-Match, on
kept-alive connections, and a GET of /board/fragment/ only when the version changed. A writer creates
BENCH_LIVE_EVENTS incidents (default 10), BENCH_LIVE_GAP seconds apart (default 3). Event-to-screen
latency per client and event = when the client holds the fragment that shows it minus the commit.
Figures: live_p99_ms (goal <= 2000), live_p50_ms, live_max_ms, live_clients, live_missed,
live_server_cpu_percent (one core = 100). Asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.figures import figure, write_group  # noqa: E402  (first: figures go where the caller's data dir is)

DATA = tempfile.mkdtemp(prefix="dutyroom-bench-live-")
os.environ["DUTYROOM_DATA_DIR"] = DATA
os.environ.pop("DATABASE_URL", None)  # one web process on the embedded SQLite default
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DUTYROOM_EMBEDDED_WORKER"] = "0"
os.environ.setdefault("DUTYROOM_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from dutyroom.accounts.models import User  # noqa: E402
from dutyroom.common.clock import now as clock_now  # noqa: E402
from dutyroom.demo import units_load, users_load  # noqa: E402
from dutyroom.incidents.services import IncidentInput, incident_create  # noqa: E402
from dutyroom.web.views.live import live_token  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_LIVE_CLIENTS", "1000"))
EVENTS = int(os.environ.get("BENCH_LIVE_EVENTS", "10"))
GAP = float(os.environ.get("BENCH_LIVE_GAP", "3"))
POLL = 1.0


def session_cookie(username: str) -> str:
    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"sessionid={store.session_key}"


async def request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str,
                  headers: dict[str, str]) -> tuple[int, dict[str, str]]:
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
    def __init__(self, port: int, cookie: str, token: str) -> None:
        self.port, self.cookie, self.token = port, cookie, token
        self.fragments: list[tuple[float, float]] = []  # (request sent, fragment received)
        self.errors = 0
        self.rtts: list[float] = []

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def run(self, until: float) -> None:
        await asyncio.sleep(random.random() * POLL)
        etag = ""
        conn = None
        while time.time() < until:
            tick = time.time()
            try:
                if conn is None:
                    conn = await self.connect()
                headers = {"If-None-Match": etag} if etag else {}
                t_v = time.time()
                status, got = await request(*conn, f"/board/version?t={self.token}", headers)
                self.rtts.append(time.time() - t_v)
                if status == 200:
                    etag = got.get("etag", "")
                    sent = time.time()
                    await request(*conn, f"/board/fragment/?t={self.token}&v={etag.strip(chr(34))}",
                                  {"Cookie": self.cookie})
                    self.fragments.append((sent, time.time()))
                if got.get("connection", "").lower() == "close":
                    conn[1].close()
                    conn = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.errors += 1
                if conn is not None:
                    conn[1].close()
                conn = None
            await asyncio.sleep(max(0.0, POLL - (time.time() - tick)))


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
    reporter = User.objects.get(username="shaxi-reporter")
    time.sleep(max(0.0, start_at - time.time()))
    for k in range(EVENTS):
        now = clock_now()
        incident_create(actor=reporter, now=now, data=IncidentInput(
            title=f"测评事件 {k}", category="accident", subtype="fire", grade="IV",
            occurred_at=now - timedelta(minutes=1)))
        commits.append(time.time())
        time.sleep(GAP)


def main() -> None:
    print(f"live: {CLIENTS} board clients on one web process, {EVENTS} events {GAP:g} s apart "
          "(BENCH_LIVE_CLIENTS, BENCH_LIVE_EVENTS, BENCH_LIVE_GAP)", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    units_load()
    users_load(clock_now())
    cookies = [session_cookie("duty-officer") for _ in range(20)]
    port = 20000 + random.randrange(20000)
    env = {**os.environ, "WEB_CONCURRENCY": "1"}
    log = (Path(DATA) / "server.log").open("w")
    server = subprocess.Popen([str(ROOT / ".venv/bin/dutyroom"), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "1"], env=env, stdout=subprocess.DEVNULL, stderr=log)
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
        token = live_token(User.objects.get(username="duty-officer"))
        clients = [Client(port, cookies[i % len(cookies)], token) for i in range(CLIENTS)]

        async def all_clients() -> None:
            await asyncio.gather(*(c.run(until) for c in clients))

        asyncio.run(all_clients())
        cpu = (cpu_seconds(pids) - cpu_before) / (time.time() - wall_before) * 100
        thread.join()
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    latencies, missed = [], 0
    for k, commit in enumerate(commits):
        nxt = commits[k + 1] if k + 1 < len(commits) else until
        for c in clients:
            seen = [done for sent, done in c.fragments if sent >= commit and done <= nxt + 2]
            if seen:
                latencies.append((min(seen) - commit) * 1000)
            else:
                missed += 1
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
    errors = sum(c.errors for c in clients)
    print(f"  {len(latencies)} observations, {errors} client errors", flush=True)
    rtts = sorted(r for c in clients for r in c.rtts)
    frags = sorted(done - sent for c in clients for sent, done in c.fragments)
    print(f"  version round trip p50 {rtts[len(rtts) // 2] * 1000:.0f} ms"
          f" p99 {rtts[int(len(rtts) * .99)] * 1000:.0f} ms; fragment p50 {frags[len(frags) // 2] * 1000:.0f} ms"
          f" p99 {frags[int(len(frags) * .99)] * 1000:.0f} ms",
          flush=True)
    figures = [
        figure("live_p99_ms", p99, "ms", goal="<= 2000", met=bool(latencies) and p99 <= 2000 and missed == 0),
        figure("live_p50_ms", statistics.median(latencies) if latencies else float("nan"), "ms"),
        figure("live_max_ms", latencies[-1] if latencies else float("nan"), "ms"),
        figure("live_clients", CLIENTS, "clients", goal=">= 1000", met=CLIENTS >= 1000),
        figure("live_missed", missed, "count", goal="0", met=missed == 0),
        figure("live_server_cpu_percent", cpu, "%"),
    ]
    write_group("live", figures)


if __name__ == "__main__":
    main()
