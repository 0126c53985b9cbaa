"""How quick the staff console is on three months of use, on SQLite and PostgreSQL.

    python -m bot.ops.bench_console [--conversations 20000] [--tickets 2000] [--runs 30]
                                    [--backend both]
    make bench-console ARGS="..."

For each database it seeds the demo data (bot/ops/demo_data.py: conversations as Rasa
stores them, tickets in every state with 1,200 open follow-ups, agents, tags, reviews,
trainer decisions), starts the real pages server (waitress, ``python -m bot.ops.pages``)
on a port the OS chooses, signs in as an agent and as an admin, and times over HTTP the
agent inbox (API and page, a page of old follow-ups, a search), an old conversation's
transcript and the agent's chat view, the NLU inbox (unfiltered and filtered) and the
conversation list's filters and searches, printing p50 and p95 per query against its
target (inbox and transcript 100 ms, NLU inbox 300 ms, the list 300 ms).

SQLite lives in a temporary folder; PostgreSQL in a schema of its own, dropped
afterwards, in the database ``bench_console`` (made if missing) on the server of
TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test): it never meets
the tests' schemas.
"""
from __future__ import annotations

import argparse
import os
import re
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
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bot.console.databases import Databases
from bot.ops import demo_data
from bot.ops.demo_data import DemoPlan
from bot.storage.events import create_events_table
from bot.storage.tickets import CLAIMED, OPEN, HandoffTicket

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BENCH_DATABASE = "bench_console"
PASSWORD = "benchmark password"
DAY = 86_400
INBOX_MS, NLU_INBOX_MS, LIST_MS = 100, 300, 300

# (name, who asks, path, p95 target in ms)
QUERIES: List[Tuple[str, str, str, int]] = [
    ("agent inbox: API", "anna", "/console/api/agent/inbox", INBOX_MS),
    ("agent inbox: page", "anna", "/console/agent/", INBOX_MS),
    ("agent inbox: follow-ups page 40", "anna", "/console/agent/?page=40", INBOX_MS),
    ("agent inbox: search e-mail", "anna", "/console/agent/?q=lina.", INBOX_MS),
    ("agent inbox: search case number", "anna", "/console/agent/?q=%23{old_ticket}", INBOX_MS),
    ("agent chat: old follow-up", "anna", "/console/agent/chats/{old_follow_up}", INBOX_MS),
    ("transcript: 3 months old", "admin", "/console/conversations/{old_conversation}", INBOX_MS),
    ("transcript: with a live chat", "admin", "/console/conversations/{live_conversation}", INBOX_MS),
    ("NLU inbox: page", "admin", "/console/training/inbox", NLU_INBOX_MS),
    ("NLU inbox: API", "admin", "/console/training/api/inbox", NLU_INBOX_MS),
    ("NLU inbox: fell back, sv", "admin", "/console/training/inbox?reason=fell+back&language=sv", NLU_INBOX_MS),
    ("NLU inbox: words, newest", "admin", "/console/training/inbox?q=export&sort=newest", NLU_INBOX_MS),
    ("NLU inbox: predicted + dates", "admin",
     "/console/training/inbox?predicted=export_failed&date_from={d20}&date_to={d0}", NLU_INBOX_MS),
    ("list, page 1", "admin", "/console/conversations", LIST_MS),
    ("list, page 100", "admin", "/console/conversations?page=100", LIST_MS),
    ("filter: error", "admin", "/console/conversations?error=account_not_active", LIST_MS),
    ("filter: language + escalated", "admin", "/console/conversations?language=sv&escalated=yes", LIST_MS),
    ("filter: fell back, not resolved", "admin", "/console/conversations?fell_back=yes&resolved=no", LIST_MS),
    ("filter: tag", "admin", "/console/conversations?tag=training", LIST_MS),
    ("filter: not reviewed + dates", "admin",
     "/console/conversations?reviewed=no&date_from={d30}&date_to={d10}", LIST_MS),
    ("search: two words", "admin", "/console/conversations?q=kontot+aktivt", LIST_MS),
    ("search: no match", "admin", "/console/conversations?q=zzzzqqq", LIST_MS),
    ("API: list as JSON", "admin", "/console/api/conversations?escalated=yes&page=3", LIST_MS),
]


def seed(databases: Databases, plan: DemoPlan) -> Dict[str, object]:
    """The demo data, and what the queries need from it: an old conversation, a live
    one, an old follow-up and its case number."""
    seeded = demo_data.seed(databases, plan, password=PASSWORD)
    with databases.sessions() as session:
        def ticket(status: str, newest: bool) -> HandoffTicket:
            order = HandoffTicket.id.desc() if newest else HandoffTicket.id
            return session.execute(select(HandoffTicket).where(HandoffTicket.status == status)
                                   .order_by(order).limit(1)).scalar_one()

        old_follow_up = ticket(OPEN, newest=False)
        return {"seeded": seeded, "old_conversation": seeded.ids[len(seeded.ids) // 50],
                "live_conversation": ticket(CLAIMED, newest=True).conversation_id,
                "old_follow_up": old_follow_up.conversation_id, "old_ticket": old_follow_up.id}


@contextmanager
def serving(project_url: str, tracker_url: str) -> Iterator[str]:
    """``python -m bot.ops.pages`` (the real waitress server), as ``make run`` starts it,
    on a port the OS chooses as the server binds it (the server prints which)."""
    from bot.ops.launcher import wait_for_http
    from bot.settings import PROJECT_ROOT

    env = {**os.environ, "DATABASE_URL": project_url, "TRACKER_STORE_URL": tracker_url,
           "CONSOLE_SECRET_KEY": uuid.uuid4().hex * 2, "PYTHONPATH": str(PROJECT_ROOT),
           # No Rasa runs here: today's waiting chats stay waiting, not timed out through it.
           "HANDOFF_CLAIM_TIMEOUT_SECONDS": "0"}
    process = subprocess.Popen([sys.executable, "-m", "bot.ops.pages", "--port", "0"],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        # "Staff console: http://localhost:PORT/console", after anything printed before it
        # (a new database's first admin password).
        said = []
        found = None
        while found is None and len(said) < 50:
            said.append(process.stdout.readline())
            found = re.search(r"localhost:(\d+)/console", said[-1])
            if not said[-1]:
                break  # the server ended
        if found is None:
            raise RuntimeError(f"the pages server did not say its port: {''.join(said)!r}")
        base = f"http://127.0.0.1:{found.group(1)}"
        wait_for_http(f"{base}/health", 60, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in(base: str, username: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/console/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = http.post(f"{base}/console/login", data={
        "username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.status_code
    return http


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _count(response: requests.Response) -> object:
    """What the page found, to show the query did its work: a total or a number of items."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        return body.get("total", body.get("open_total", len(body.get("items", []))))
    found = re.search(r'<span id="total">(\d+)</span>', response.text)
    return int(found.group(1)) if found else "-"


def time_queries(base: str, runs: int, facts: Dict[str, object]) -> List[Tuple[str, object, float, float, int]]:
    sessions = {who: sign_in(base, who) for who in {q[1] for q in QUERIES}}
    today = time.time()

    def day(days_ago: int) -> str:
        return time.strftime("%Y-%m-%d", time.localtime(today - days_ago * DAY))

    results = []
    for name, who, template, target in QUERIES:
        path = template.format(d0=day(0), d10=day(10), d20=day(20), d30=day(30), **facts)
        url = base + path
        http = sessions[who]
        first = http.get(url, timeout=60)  # warm-up (and a check)
        assert first.status_code == 200, (path, first.status_code)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = http.get(url, timeout=60)
            response.raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
        results.append((name, _count(first), statistics.median(timings), percentile(timings, 0.95), target))
    return results


def run_backend(name: str, project_url: str, tracker_url: str, plan: DemoPlan, runs: int) -> bool:
    print(f"\n== {name}: seeding {plan.conversations} conversations, {plan.tickets} tickets ...", flush=True)
    create_events_table(tracker_url)
    databases = Databases.open(project_url, tracker_url)
    try:
        facts = seed(databases, plan)
        seeded = facts.pop("seeded")
        print(f"   {seeded.events} events in {seeded.seconds:.1f} s; tickets: "
              + ", ".join(f"{n} {s}" for s, n in seeded.tickets.items()), flush=True)
        with serving(project_url, tracker_url) as base:
            results = time_queries(base, runs, facts)
        print(f"   {'query':<36} {'found':>6} {'p50 ms':>8} {'p95 ms':>8} {'target':>7}")
        ok = True
        for query, found, p50, p95, target in results:
            flag = "" if p95 <= target else "  > target"
            ok = ok and not flag
            print(f"   {query:<36} {found!s:>6} {p50:>8.1f} {p95:>8.1f} {target:>7}{flag}")
        print(f"   every p95 within its target: {'yes' if ok else 'NO'}", flush=True)
        return ok
    finally:
        databases.dispose()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema in the database ``bench_console`` (made if missing), dropped afterwards."""
    server = make_url(POSTGRES_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": BENCH_DATABASE}).scalar():
            connection.execute(text(f"CREATE DATABASE {BENCH_DATABASE}"))
    admin.dispose()
    url = server.set(database=BENCH_DATABASE)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url.render_as_string(hide_password=False)}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    defaults = DemoPlan()
    parser.add_argument("--conversations", type=int, default=defaults.conversations)
    parser.add_argument("--tickets", type=int, default=defaults.tickets)
    parser.add_argument("--follow-ups", type=int, default=defaults.follow_ups)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per query")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    plan = DemoPlan(conversations=args.conversations, tickets=args.tickets, follow_ups=args.follow_ups)
    ok = True
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="console-bench-") as folder:
            ok &= run_backend("SQLite", f"sqlite:///{Path(folder) / 'assistant.db'}",
                              f"sqlite:///{Path(folder) / 'tracker.db'}", plan, args.runs)
    if args.backend in ("postgresql", "both"):
        with postgres_schema() as url:
            ok &= run_backend("PostgreSQL", url, url, plan, args.runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
