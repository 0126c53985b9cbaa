"""Load run of the production profile, against Rasa's default pipeline as the baseline.

    python -m bot.bench [--concurrency 16] [--conversations 64] [--models current baseline]

For each model: a fresh PostgreSQL schema, the production profile (Redis lock store,
several Rasa processes behind nginx), a warm-up, then N conversations of several turns
through the REST channel, `--concurrency` at a time.  It prints throughput and turn
latency, then checks in the tracker store that every message sent is stored, in order,
each followed by an answer.  Then held-out accuracy of each model, and the ratios.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import aiohttp
from sqlalchemy import create_engine, text

from bot.evaluate import evaluate
from bot.launcher import Assistant
from bot.settings import PROJECT_ROOT

MODELS = {
    "current": PROJECT_ROOT / "models" / "current.tar.gz",
    "baseline": PROJECT_ROOT / "models" / "baseline.tar.gz",
}
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PORTS = {"RASA_PORT": "5605", "ACTION_PORT": "5655", "PAGES_PORT": "8680"}
CONVERSATIONS = [
    ["hi", "Account 1930 is not active", "no, still failing", "thanks"],
    ["Fel vid export: Verifikationsserien är inte manuell (F).", "ja det funkade", "tack"],
    ["my exports dont work", "/period_closed", "yes", "bye"],
    ["The period is locked up to 2024-12-31", "didn't help", "ok thanks"],
    ['{"ErrorInformation": {"error": 1, "message": "No access to the current scope.", '
     '"code": 2000663}}', "/affirm", "goodbye"],
]


@dataclass
class LoadResult:
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    sent: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def play(session: aiohttp.ClientSession, url: str, turns: List[str],
               result: LoadResult) -> None:
    """One customer's conversation; a failed turn counts as an error, and the customer
    goes on with the next message as a person would."""
    sender = f"bench-{uuid.uuid4().hex}"
    # Every conversation is a customer of its own address, as behind the balancer.
    address = f"198.51.100.{random.randint(1, 254)}"
    headers = {"X-Real-IP": address, "X-Forwarded-For": address}
    result.sent[sender] = []
    for message in turns:
        started = time.perf_counter()
        kind = None
        try:
            async with session.post(url, json={"sender": sender, "message": message},
                                    headers=headers) as response:
                answer = await response.json(content_type=None)
                if response.status != 200 or not answer:
                    kind = f"HTTP {response.status}" + ("" if answer else " empty")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            kind = type(error).__name__
        result.latencies.append(time.perf_counter() - started)
        result.sent[sender].append(message)
        if kind:
            result.errors += 1
            result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1


async def load(url: str, conversations: int, concurrency: int,
               result: Optional[LoadResult] = None) -> LoadResult:
    """Plays the conversations; pass `result` to watch it fill while the load runs."""
    result = result if result is not None else LoadResult()
    gate = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)

    async def one(index: int) -> None:
        async with gate:
            await play(session, url, CONVERSATIONS[index % len(CONVERSATIONS)], result)

    async with aiohttp.ClientSession(timeout=timeout) as session:
        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(conversations)))
        result.seconds = time.perf_counter() - began
    return result


def check_stored(tracker_url: str, sent: Dict[str, List[str]]) -> Dict[str, int]:
    """Read back from the tracker store: messages lost, conversations out of order,
    messages stored twice in a row (a request retried after a process died having saved
    it), and customer messages without an answer after them."""
    engine = create_engine(tracker_url, future=True)
    lost = out_of_order = duplicated = unanswered = 0
    with engine.connect() as connection:
        for sender, messages in sent.items():
            rows = connection.execute(
                text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender},
            ).all()
            stored = [json.loads(r.data).get("text") for r in rows if r.type_name == "user"]
            once = [m for i, m in enumerate(stored) if i == 0 or stored[i - 1] != m]
            duplicated += len(stored) - len(once)
            lost += sum(1 for m in messages if m not in stored)
            out_of_order += [m for m in once if m in messages] != [m for m in messages if m in once]
            kinds = [r.type_name for r in rows if r.type_name in ("user", "bot")]
            unanswered += sum(
                1 for i, kind in enumerate(kinds)
                if kind == "user" and (i + 1 == len(kinds) or kinds[i + 1] != "bot")
            )
    engine.dispose()
    return {"lost": lost, "out_of_order": out_of_order, "duplicated": duplicated,
            "unanswered": unanswered}


def run_model(model: Path, conversations: int, concurrency: int) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    env = {**PORTS, "ASSISTANT_PROFILE": "production", "DATABASE_URL": url,
           "TRACKER_STORE_URL": url, "RASA_API_TOKEN": uuid.uuid4().hex}
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        started = time.perf_counter()
        with Assistant(env=env, log_dir=logs, model=model) as assistant:
            startup = time.perf_counter() - started
            webhook = f"http://127.0.0.1:{PORTS['RASA_PORT']}/webhooks/rest/webhook"
            asyncio.run(load(webhook, 8, 4))  # warm-up, not counted
            cpu_before = cpu_seconds(assistant)
            result = asyncio.run(load(webhook, conversations, concurrency))
            cpu_after = cpu_seconds(assistant)
            cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
            memory = {name: resident_mb(p.pid) for name, p in assistant.processes.items()}
        stored = check_stored(url, result.sent)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    return {"result": result, "startup": startup, "memory": memory, "stored": stored, "cpu": cpu,
            "processes": assistant.config.rasa_processes}


def cpu_seconds(assistant: Assistant) -> Dict[str, float]:
    """CPU time used so far by each process and its children (Sanic workers), and by
    PostgreSQL's server processes, to see where the two cores go under load."""
    import os
    import subprocess

    ticks = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / ticks
        except OSError:
            return 0.0

    def tree(pid: int) -> List[int]:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
        return [pid] + [p for c in children.stdout.split() for p in tree(int(c))]

    used = {name: sum(of(p) for p in tree(proc.pid)) for name, proc in assistant.processes.items()}
    postgres = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True)
    used["postgresql"] = sum(of(int(p)) for p in postgres.stdout.split())
    used["bench client"] = of(os.getpid())
    return used


def resident_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def report(name: str, run: dict, accuracy: float) -> str:
    result: LoadResult = run["result"]
    lat = result.latencies
    ms = lambda seconds: f"{1000 * seconds:.0f} ms"  # noqa: E731
    return "\n".join([
        f"[{name}] {len(lat)} turns, {len(result.sent)} conversations, "
        f"{run['processes']} Rasa processes",
        f"  throughput {result.throughput:.1f} turns/s; latency p50 {ms(statistics.median(lat))},"
        f" p95 {ms(percentile(lat, 0.95))}, p99 {ms(percentile(lat, 0.99))}; "
        f"errors {result.errors} {result.error_kinds or ''}",
        "  tracker store: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                        for k, v in run["stored"].items()),
        f"  start-up {run['startup']:.1f} s; resident memory "
        + ", ".join(f"{n} {mb:.0f} MB" for n, mb in run["memory"].items()),
        "  CPU seconds during the load: "
        + ", ".join(f"{n} {sec:.1f}" for n, sec in sorted(run["cpu"].items(), key=lambda i: -i[1])),
        f"  held-out accuracy {100 * accuracy:.1f} %",
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=96)
    parser.add_argument("--models", nargs="+", default=["current", "baseline"],
                        choices=sorted(MODELS))
    args = parser.parse_args(argv)
    runs, accuracy = {}, {}
    for name in args.models:
        runs[name] = run_model(MODELS[name], args.conversations, args.concurrency)
        accuracy[name] = evaluate(MODELS[name]).accuracy
        print(report(name, runs[name], accuracy[name]), flush=True)
    if {"current", "baseline"} <= set(runs):
        ratio = runs["current"]["result"].throughput / runs["baseline"]["result"].throughput
        print(f"\nthroughput current / baseline: {ratio:.2f}x (target >= 2x); held-out accuracy "
              f"{100 * accuracy['current']:.1f} % vs {100 * accuracy['baseline']:.1f} %")
    failures = sum(r["result"].errors + sum(r["stored"].values()) for r in runs.values())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
