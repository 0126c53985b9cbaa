"""Load run of the production profile, against Rasa's default pipeline as the baseline.

    python -m bot.ops.bench [--concurrency 16] [--conversations 240] [--think-seconds 0]
                        [--models current baseline]

For each model: a fresh PostgreSQL schema, the production profile (Redis lock store,
several Rasa processes behind nginx), a warm-up, then N conversations of several turns
through the REST channel, `--concurrency` at a time, each sending its next message as
soon as it has the answer (or after about --think-seconds, as a person would).  It
prints throughput and turn latency, CPU per turn and how much of it is the model, then
checks in the tracker store that every message sent is stored, in order, each followed
by an answer.  Then held-out accuracy of each model, and the ratios.
"""
from __future__ import annotations

import argparse
import asyncio
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

from bot.trainer.evaluation import evaluate
from bot.ops.launcher import Assistant
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
               result: LoadResult, think: float = 0.0) -> None:
    """One customer's conversation; a failed turn counts as an error, and the customer
    goes on with the next message as a person would."""
    sender = f"bench-{uuid.uuid4().hex}"
    # Every conversation is a customer of its own address, as behind the balancer.
    address = f"198.51.100.{random.randint(1, 254)}"
    headers = {"X-Real-IP": address, "X-Forwarded-For": address}
    result.sent[sender] = []
    for number, message in enumerate(turns):
        if think and number:  # a person reads the answer and types the next message
            await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))
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
               result: Optional[LoadResult] = None, think: float = 0.0) -> LoadResult:
    """Plays the conversations; pass `result` to watch it fill while the load runs.
    ``think``: mean seconds a customer takes before the next message (0: none, every
    conversation sends its next message the moment it has the answer)."""
    result = result if result is not None else LoadResult()
    gate = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)

    async def one(index: int) -> None:
        async with gate:
            await play(session, url, CONVERSATIONS[index % len(CONVERSATIONS)], result, think)

    async with aiohttp.ClientSession(timeout=timeout) as session:
        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(conversations)))
        result.seconds = time.perf_counter() - began
    return result


def check_stored(tracker_url: str, sent: Dict[str, List[str]]) -> Dict[str, int]:
    """Read back from the tracker store: messages lost, conversations out of order,
    messages stored twice in a row (a request retried after a process died having saved
    it), and customer messages without an answer after them."""
    from bot.storage.events import EventRepository

    engine = create_engine(tracker_url, future=True)
    events = EventRepository(engine)
    lost = out_of_order = duplicated = unanswered = 0
    for sender, messages in sent.items():
        rows = events.events_for(sender)
        stored = [r.data.get("text") for r in rows if r.type_name == "user"]
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


def run_model(model: Path, conversations: int, concurrency: int, think: float = 0.0) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    env = {**PORTS, "ASSISTANT_PROFILE": "production", "DATABASE_URL": url,
           "TRACKER_STORE_URL": url, "RASA_API_TOKEN": uuid.uuid4().hex,
           # The load is many customers escalating: measured without escalation limits.
           "ESCALATIONS_PER_ADDRESS_PER_HOUR": "0", "ESCALATIONS_PER_HOUR": "0"}
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        started = time.perf_counter()
        with Assistant(env=env, log_dir=logs, model=model) as assistant:
            startup = time.perf_counter() - started
            webhook = f"http://127.0.0.1:{PORTS['RASA_PORT']}/webhooks/rest/webhook"
            asyncio.run(load(webhook, 8, 4))  # warm-up, not counted
            cpu_before = cpu_seconds(assistant)
            result = asyncio.run(load(webhook, conversations, concurrency, think=think))
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


def model_cost(model: Path, repeats: int = 10) -> Dict[str, float]:
    """CPU milliseconds of the model alone per turn, in this process: the NLU parse of
    each message of the bench's dialogues and the policies' predictions after it (up to
    three, as in a turn), with Rasa's graph runner as the servers run it (patched).
    What a turn costs beyond this is the same for every model."""
    import logging

    import structlog
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted, UserUttered

    from bot.runtime.rasa_patches import apply

    apply()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    processor = Agent.load(str(model)).processor

    async def dialogues() -> Dict[str, float]:
        parse = predict = 0.0
        turns = 0
        for repeat in range(repeats + 1):  # the first round warms up, not counted
            for number, conversation in enumerate(CONVERSATIONS):
                tracker = await processor.get_tracker(f"cost-{repeat}-{number}")
                for message in conversation:
                    started = time.process_time()
                    parsed = await processor.parse_message(UserMessage(message), tracker)
                    parsed_at = time.process_time()
                    tracker.update(UserUttered(message, parsed["intent"], parsed["entities"],
                                               parse_data=parsed))
                    for _ in range(3):
                        prediction = processor._predict_next_with_tracker(tracker)
                        action = processor.domain.action_names_or_texts[
                            prediction.max_confidence_index]
                        tracker.update(ActionExecuted(action))
                        if action == "action_listen":
                            break
                    if repeat:
                        parse += parsed_at - started
                        predict += time.process_time() - parsed_at
                        turns += 1
        return {"parse": 1000 * parse / turns, "predict": 1000 * predict / turns}

    return asyncio.run(dialogues())


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


def cpu_ms_per_turn(run: dict) -> float:
    return 1000 * sum(run["cpu"].values()) / max(1, len(run["result"].latencies))


def report(name: str, run: dict, accuracy: float) -> str:
    result: LoadResult = run["result"]
    cost = run.get("model_cost")
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
        f"  CPU per turn, all processes: {cpu_ms_per_turn(run):.1f} ms"
        + (f"; of which the model (in-process: parse {cost['parse']:.1f} ms + predictions "
           f"{cost['predict']:.1f} ms) {cost['parse'] + cost['predict']:.1f} ms" if cost else ""),
        f"  held-out accuracy {100 * accuracy:.1f} %",
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=240)
    parser.add_argument("--think-seconds", type=float, default=0.0,
                        help="mean pause before each next message (default 0: none)")
    parser.add_argument("--models", nargs="+", default=["current", "baseline"],
                        choices=sorted(MODELS))
    args = parser.parse_args(argv)
    runs, accuracy = {}, {}
    for name in args.models:
        runs[name] = run_model(MODELS[name], args.conversations, args.concurrency,
                               args.think_seconds)
        accuracy[name] = evaluate(MODELS[name]).accuracy
        runs[name]["model_cost"] = model_cost(MODELS[name])
        print(report(name, runs[name], accuracy[name]), flush=True)
    if {"current", "baseline"} <= set(runs):
        ratio = runs["current"]["result"].throughput / runs["baseline"]["result"].throughput
        print(f"\nthroughput current / baseline: {ratio:.2f}x (target >= 2x); held-out accuracy "
              f"{100 * accuracy['current']:.1f} % vs {100 * accuracy['baseline']:.1f} %")
        # A turn's CPU beyond the model is the same for both models: even a model that
        # cost nothing could not be faster than the baseline by more than this.
        baseline = runs["baseline"]
        rest = cpu_ms_per_turn(runs["current"]) - sum(runs["current"]["model_cost"].values())
        ceiling = (rest + sum(baseline["model_cost"].values())) / rest if rest > 0 else float("inf")
        print(f"a turn beyond the model: {rest:.1f} ms CPU; with a model that cost nothing "
              f"the ratio would be at most {ceiling:.2f}x")
    failures = sum(r["result"].errors + sum(r["stored"].values()) for r in runs.values())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
