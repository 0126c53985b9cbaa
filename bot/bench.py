"""Speed of the running assistant: start-up time, turn latency and throughput over REST.

    python -m bot.bench [--conversations 40] [--concurrency 4]

Starts its own servers on separate ports and SQLite files, so a `make run` elsewhere
is not disturbed, then plays several-turn conversations and prints the figures.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import requests

from bot.launcher import Assistant

CONVERSATION = [
    "hi",
    "Account 1930 is not active",
    "/deny",
    "Fel vid export: Verifikationsserien är inte manuell (F).",
    "ja det funkade, tack",
]


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def play(url: str) -> List[float]:
    sender = f"bench-{uuid.uuid4().hex}"
    latencies = []
    with requests.Session() as session:
        for message in CONVERSATION:
            started = time.perf_counter()
            response = session.post(url, json={"sender": sender, "message": message}, timeout=60)
            response.raise_for_status()
            assert response.json(), f"no answer to {message!r}"
            latencies.append(time.perf_counter() - started)
    return latencies


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {"RASA_PORT": "5605", "ACTION_PORT": "5655", "PAGES_PORT": "8680",
           "DATABASE_URL": f"sqlite:///{data / 'assistant.db'}",
           "TRACKER_STORE_URL": f"sqlite:///{data / 'tracker.db'}"}
    started = time.perf_counter()
    with Assistant(env=env, log_dir=data) as assistant:
        startup = time.perf_counter() - started
        url = "http://localhost:5605/webhooks/rest/webhook"
        play(url)  # warm-up
        began = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            runs = list(pool.map(lambda _: play(url), range(args.conversations)))
        elapsed = time.perf_counter() - began
        latencies = [latency for run in runs for latency in run]
        memory = {name: resident_mb(p.pid) for name, p in assistant.processes.items()}
    ms = lambda seconds: f"{1000 * seconds:.0f} ms"  # noqa: E731
    print(f"Start-up until all servers answer: {startup:.1f} s")
    print(f"{args.conversations} conversations x {len(CONVERSATION)} turns, "
          f"{args.concurrency} at a time, REST channel")
    print(f"  throughput: {len(latencies) / elapsed:.1f} turns/s")
    print(f"  turn latency: p50 {ms(statistics.median(latencies))}, "
          f"p95 {ms(percentile(latencies, 0.95))}, p99 {ms(percentile(latencies, 0.99))}, "
          f"max {ms(max(latencies))}")
    print("  resident memory: " + ", ".join(f"{n} {mb:.0f} MB" for n, mb in memory.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
