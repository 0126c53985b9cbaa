"""How quick the staff console is with 10,000 conversations, on SQLite and PostgreSQL.

    python -m bot.ops.bench_console [--conversations 10000] [--runs 30] [--backend both]

For each database it seeds that many realistic conversations (the events Rasa would
store, masked as the tracker store masks them) into Rasa's own ``events`` table, tags
and reviews some of them, rebuilds the summaries the way
``python -m bot.ops.manage rebuild-summaries`` does, starts the real pages app on
waitress on a local port, signs in, and times the list, filters, free-text search and a
transcript over HTTP, printing p50 and p95 per query (target: p95 <= 300 ms).

SQLite lives in a temporary folder; PostgreSQL in a schema of its own in the test
database (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test), dropped
afterwards.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import requests
from sqlalchemy import create_engine, text

from bot.console.databases import Databases
from bot.ops.manage import rebuild_summaries
from bot.ops.sample_data import random_conversation
from bot.privacy import mask_event
from bot.storage.annotations import ConversationReview, ConversationTag
from bot.storage.staff import StaffRepository

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BENCH_PORT = 8785
TARGET_P95_MS = 300
PASSWORD = "benchmark password"
TAGS = ["training", "wrong fix", "good answer", "follow up"]
DAY = 86_400

QUERIES: List[Tuple[str, str]] = [
    ("list, page 1", "/console/conversations"),
    ("list, page 100", "/console/conversations?page=100"),
    ("filter: error", "/console/conversations?error=account_not_active"),
    ("filter: language + escalated", "/console/conversations?language=sv&escalated=yes"),
    ("filter: fell back, not resolved", "/console/conversations?fell_back=yes&resolved=no"),
    ("filter: confidence < 0.6", "/console/conversations?confidence_below=0.6"),
    ("filter: tag", "/console/conversations?tag=training"),
    ("filter: not reviewed + dates", "/console/conversations?reviewed=no&date_from={d30}&date_to={d10}"),
    ("filter: all combined",
     "/console/conversations?date_from={d60}&date_to={d0}&error=period_closed&language=en"
     "&escalated=no&resolved=yes&confidence_below=1.01&reviewed=no"),
    ("search: one word", "/console/conversations?q=1930"),
    ("search: two words", "/console/conversations?q=kontot+aktivt"),
    ("search: no match", "/console/conversations?q=zzzzqqq"),
    ("search + filters", "/console/conversations?q=period&language=en&escalated=yes&tag=training"),
    ("API: list as JSON", "/console/api/conversations?escalated=yes&page=3"),
    ("transcript", "{transcript}"),
]


def _free_port(preferred: int) -> int:
    for candidate in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def create_events_table(url: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    engine = create_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()


def seed(databases: Databases, count: int, rng: random.Random) -> Dict[str, object]:
    """``count`` conversations over the last 90 days; returns figures about the seeding."""
    started = time.monotonic()
    now = time.time()
    ids: List[str] = []

    def masked_events():
        for n in range(count):
            begin = now - rng.uniform(0, 90 * DAY)
            conversation = random_conversation(rng, begin, ticket_id=n + 1)
            ids.append(conversation.sender_id)
            for event in conversation.events:
                yield conversation.sender_id, mask_event(event)

    events_written = databases.events.add_all(masked_events(), 5000)
    seeded = time.monotonic() - started

    with databases.sessions() as session, session.begin():
        tags = [
            {"conversation_id": cid, "tag": rng.choice(TAGS), "created_by": "bench", "created_at": now}
            for cid in rng.sample(ids, count // 10)
        ]
        session.execute(ConversationTag.__table__.insert(), tags)
        reviews = [
            {"conversation_id": cid, "reviewed_by": "bench", "reviewed_at": now}
            for cid in rng.sample(ids, count // 5)
        ]
        session.execute(ConversationReview.__table__.insert(), reviews)
        StaffRepository(session).create("bench", PASSWORD, "admin")

    started = time.monotonic()
    rebuild_summaries(databases, out=open(os.devnull, "w"))
    rebuilt = time.monotonic() - started
    return {"events": events_written, "seed_s": seeded, "rebuild_s": rebuilt, "ids": ids}


@contextmanager
def serving(project_url: str, tracker_url: str, port: int) -> Iterator[str]:
    """``python -m bot.ops.pages`` (the real waitress server) on ``port``, as ``make run`` starts it."""
    from bot.ops.launcher import wait_for_http
    from bot.settings import PROJECT_ROOT

    env = {**os.environ, "DATABASE_URL": project_url, "TRACKER_STORE_URL": tracker_url,
           "CONSOLE_SECRET_KEY": uuid.uuid4().hex * 2, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "bot.ops.pages", "--port", str(port)],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", 60, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in(base: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/console/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = http.post(f"{base}/console/login", data={
        "username": "bench", "password": PASSWORD, "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302, response.status_code
    return http


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def time_queries(base: str, runs: int, transcript_id: str) -> List[Tuple[str, int, float, float]]:
    http = sign_in(base)
    today = time.time()

    def day(days_ago: int) -> str:
        return time.strftime("%Y-%m-%d", time.localtime(today - days_ago * DAY))

    results = []
    for name, template in QUERIES:
        path = template.format(d0=day(0), d10=day(10), d30=day(30), d60=day(60),
                               transcript=f"/console/conversations/{transcript_id}")
        url = base + path
        first = http.get(url, timeout=30)  # warm-up (and a check)
        assert first.status_code == 200, (path, first.status_code)
        total = (first.json()["total"] if "/api/" in path
                 else int(re.search(r'<span id="total">(\d+)</span>', first.text).group(1))
                 if 'id="total"' in first.text else 1)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = http.get(url, timeout=30)
            response.raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
        results.append((name, total, statistics.median(timings), percentile(timings, 0.95)))
    return results


def run_backend(name: str, project_url: str, tracker_url: str, count: int, runs: int) -> bool:
    print(f"\n== {name}: seeding {count} conversations ...", flush=True)
    create_events_table(tracker_url)
    databases = Databases.open(project_url, tracker_url)
    try:
        figures = seed(databases, count, random.Random(42))
        print(f"   {figures['events']} events in {figures['seed_s']:.1f} s; "
              f"summaries rebuilt in {figures['rebuild_s']:.1f} s", flush=True)
        with serving(project_url, tracker_url, _free_port(BENCH_PORT)) as base:
            results = time_queries(base, runs, figures["ids"][len(figures["ids"]) // 2])
        print(f"   {'query':<34} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8}")
        ok = True
        for query, total, p50, p95 in results:
            flag = "" if p95 <= TARGET_P95_MS else "  > target"
            ok = ok and not flag
            print(f"   {query:<34} {total:>8} {p50:>8.1f} {p95:>8.1f}{flag}")
        print(f"   all p95 <= {TARGET_P95_MS} ms: {'yes' if ok else 'NO'}", flush=True)
        return ok
    finally:
        databases.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per query")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    ok = True
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="console-bench-") as folder:
            ok &= run_backend(
                "SQLite", f"sqlite:///{Path(folder) / 'assistant.db'}",
                f"sqlite:///{Path(folder) / 'tracker.db'}", args.conversations, args.runs)
    if args.backend in ("postgresql", "both"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(POSTGRES_URL, future=True)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
            ok &= run_backend("PostgreSQL", url, url, args.conversations, args.runs)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
