"""The three deployments the bench compares, each started on a fresh database of its own.

- ``ours``: the production profile as `make run-prod` starts it (bot/ops/launcher.py with
  ASSISTANT_PROFILE=production): RASA_PROCESSES patched Rasa processes, which run the
  actions themselves (bot/runtime/in_process_actions.py), behind nginx, the Redis lock
  store, PostgreSQL, the pages process.
- ``embedded``: the way `make run` starts it (the embedded profile: one Rasa process, no
  nginx, in-process locks), but on PostgreSQL instead of its default SQLite files, so the
  database is the same as the others'.
- ``stock``: unpatched Rasa 3.6 as a bank would deploy it: ``rasa run --enable-api`` with
  the model of Rasa's default config (`make train-baseline`), Rasa's own ``rest`` channel,
  SQLTrackerStore (``type: SQL``) on PostgreSQL and RedisLockStore (``type: redis``), from
  generated credentials and endpoints files; the same number of processes behind the same
  nginx config (bot/ops/balancer.py) and our action server, which Rasa reaches with the
  X-Action-Token header (``headers:`` of the action endpoint, Rasa's own) and, as ours,
  with COMPRESS_ACTION_SERVER_REQUEST (Rasa's own setting; without it a long
  conversation's call passes the action server's 64 KB).

Each gets a new PostgreSQL database ``bench_<hex>`` (dropped afterwards) and, where Redis
is used, an empty Redis database number, whose keys of the run are deleted afterwards.
Rasa's telemetry is off in all three.  The customers' limits are off as in the tests: no escalation limits, and message limits
so high they are counted (their Redis round trips are part of a turn) but never reached.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import redis
import yaml
from sqlalchemy import create_engine, text

from bot.ops import proc_usage
from bot.ops.launcher import MODEL_PATH, RASA, Assistant, Process
from bot.ops.ports import free_port_runs, start_on_free_ports
from bot.settings import NO_TELEMETRY, PROJECT_ROOT

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_SERVER = "redis://127.0.0.1:6379"
BASELINE_MODEL = PROJECT_ROOT / "models" / "baseline.tar.gz"
DEPLOYMENTS = ("ours", "embedded", "stock")
# The production profile's number of Rasa processes (bot/settings.py).
PRODUCTION_PROCESSES = 2
START_TIMEOUT_SECONDS = 300
NO_LIMITS = {
    "ESCALATIONS_PER_ADDRESS_PER_HOUR": "0", "ESCALATIONS_PER_HOUR": "0",
    "RATE_LIMIT_PER_SENDER": "1000000", "RATE_LIMIT_PER_ADDRESS": "1000000",
}


@dataclass
class Running:
    """A started deployment, as the bench measures it."""

    name: str
    description: str
    assistant: Assistant
    webhook: str
    tracker_url: str
    tag: str  # starts every conversation id of the run
    logs: Path  # the processes' logs, removed afterwards unless ``keep_logs``
    startup_seconds: float = 0.0
    keep_logs: bool = False

    def groups(self) -> proc_usage.Groups:
        """The processes to meter, by name: the deployment's, with their children, and
        the machine's PostgreSQL and Redis servers and this client."""
        groups = {
            ("nginx" if name == "load balancer" else name): proc_usage.children(process.pid)
            for name, process in self.assistant.processes.items()
        }
        groups["postgresql"] = proc_usage.by_name("postgres")
        groups["redis"] = proc_usage.by_name("redis-server")
        groups["client"] = [os.getpid()]
        return groups

    def rasa_processes(self) -> int:
        return sum(1 for name in self.assistant.processes if name.startswith("rasa server"))


class StockAssistant(Assistant):
    """The launcher's action server and nginx, with unpatched ``rasa run`` processes in
    place of ours (and no pages process)."""

    def __init__(self, env: Dict[str, str], log_dir: Path, model: Path, files: Path):
        super().__init__(env=env, log_dir=log_dir, model=model)
        self.files = files

    @property
    def specs(self) -> Dict[str, Process]:
        if self._specs is None:
            ours = super().specs
            endpoints, credentials = stock_files(self.files, self.config.action_port,
                                                 self.env["DATABASE_NAME"], self.env["REDIS_DB"],
                                                 self.env["REDIS_PREFIX"])
            specs = {"action server": ours["action server"]}
            for name, spec in ours.items():
                if name.startswith("rasa server"):
                    port = spec.health_url.rstrip("/").rsplit(":", 1)[1]
                    specs[name] = Process(
                        [RASA, "run", "--enable-api", "--model", str(self.model),
                         "--endpoints", str(endpoints), "--credentials", str(credentials),
                         "--interface", "127.0.0.1", "--port", port],
                        spec.health_url, {"COMPRESS_ACTION_SERVER_REQUEST": "true"},
                    )
            specs["load balancer"] = ours["load balancer"]
            self._specs = specs
        return self._specs


def stock_files(directory: Path, action_port: int, database: str, redis_db: str,
                redis_prefix: str) -> List[Path]:
    """Rasa's own channel, tracker store and lock store, as Rasa's documentation configures
    them; the action server's token comes from the environment, never the file."""
    endpoints = {
        "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook",
                            "headers": {"X-Action-Token": "${ACTION_SERVER_TOKEN}"}},
        "tracker_store": {"type": "SQL", "dialect": "postgresql", "url": "127.0.0.1",
                          "port": 5432, "db": database, "username": "postgres"},
        "lock_store": {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": int(redis_db),
                       "key_prefix": redis_prefix},
    }
    paths = [directory / "endpoints.yml", directory / "credentials.yml"]
    paths[0].write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    paths[1].write_text("rest:\n", encoding="utf-8")
    return paths


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database's name, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def redis_database(tag: str) -> Iterator[int]:
    """An empty Redis database number; afterwards the run's keys (its conversation ids'
    locks and limits, its customers' addresses' limits) are deleted from it."""
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    for number in numbers:
        client = redis.Redis.from_url(f"{REDIS_SERVER}/{number}", socket_timeout=5)
        if client.dbsize() == 0:
            break
    else:
        raise RuntimeError("no empty Redis database (1-15) for the bench")
    try:
        yield number
    finally:
        for pattern in (f"*{tag}*", "*address:198.1[89].*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start:start + 1000])
        client.close()


def answered(webhook: str, tag: str) -> bool:
    """Whether the webhook answers a customer's first message."""
    body = json.dumps({"sender": f"{tag}{uuid.uuid4().hex[:24]}", "message": "hi"}).encode()
    request = urllib.request.Request(webhook, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status == 200 and bool(json.loads(response.read() or b"null"))
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _environment(name: str, database: str, redis_db: Optional[int], tag: str) -> Dict[str, str]:
    url = f"{POSTGRES_SERVER}/{database}"
    # Telemetry off in all three, stock included, as a bank would run Rasa.
    env = {**NO_LIMITS, **NO_TELEMETRY, "DATABASE_URL": url, "TRACKER_STORE_URL": url,
           "RASA_API_TOKEN": uuid.uuid4().hex, "DATABASE_NAME": database, "REDIS_PREFIX": tag}
    if name == "embedded":
        # `make run`: the embedded profile's defaults but the database; the customers'
        # addresses come in X-Real-IP from this machine, as nginx would send them.
        env.update(ASSISTANT_PROFILE="embedded", RASA_PROCESSES="1", REDIS_URL="",
                   TRUSTED_PROXIES="127.0.0.1")
    else:
        env.update(ASSISTANT_PROFILE="production", RASA_PROCESSES=str(PRODUCTION_PROCESSES),
                   REDIS_URL=f"{REDIS_SERVER}/{redis_db}", REDIS_DB=str(redis_db))
    if name == "stock":  # stock Rasa 3.6 can only call an action server
        env["ACTIONS_IN_PROCESS"] = "0"
    return env


DESCRIPTIONS = {
    "ours": f"ours, production profile ({PRODUCTION_PROCESSES} Rasa processes running the "
            "actions, nginx, Redis locks, PostgreSQL)",
    "embedded": "ours, one embedded process (`make run`: no nginx, in-process locks; "
                "PostgreSQL instead of SQLite)",
    "stock": f"stock Rasa 3.6 (`rasa run`, default config, {PRODUCTION_PROCESSES} processes, "
             "nginx, Redis locks, PostgreSQL)",
}


@contextmanager
def deployment(name: str, model: Optional[Path] = None) -> Iterator[Running]:
    """Deployment ``name`` (one of DEPLOYMENTS) started on free ports, a fresh database
    and Redis database number; everything removed afterwards (its logs, in a temporary
    folder, unless it did not start or the caller sets ``keep_logs``)."""
    if name not in DEPLOYMENTS:
        raise ValueError(f"deployment must be one of {DEPLOYMENTS}")
    model = model or (BASELINE_MODEL if name == "stock" else MODEL_PATH)
    if not model.exists():
        raise FileNotFoundError(f"{model} is missing: run `make train` and `make train-baseline`")
    tag = f"bench{uuid.uuid4().hex[:6]}"
    logs = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    with fresh_database() as database, _maybe_redis(name, tag) as redis_db:
        env = _environment(name, database, redis_db, tag)
        if name == "stock":  # no pages process migrates the project's tables (tickets)
            from bot.storage.migrate import upgrade

            upgrade(env["DATABASE_URL"])
        processes = 1 if name == "embedded" else PRODUCTION_PROCESSES

        def start(ports: List[List[int]]) -> Running:
            env.update(RASA_PORT=str(ports[0][0]), ACTION_PORT=str(ports[1][0]),
                       PAGES_PORT=str(ports[2][0]))
            assistant = (StockAssistant(env, logs, model, logs) if name == "stock"
                         else Assistant(env=env, log_dir=logs, model=model))
            began = time.perf_counter()
            try:
                assistant.start(timeout=START_TIMEOUT_SECONDS)
                webhook = f"http://127.0.0.1:{ports[0][0]}/webhooks/rest/webhook"
                while not answered(webhook, tag):
                    if time.perf_counter() - began > START_TIMEOUT_SECONDS:
                        raise TimeoutError(f"{webhook} did not answer")
                    time.sleep(0.2)
            except BaseException:
                _stop(assistant)
                raise
            return Running(name, DESCRIPTIONS[name], assistant, webhook, env["TRACKER_STORE_URL"],
                           tag, logs, time.perf_counter() - began)

        running = start_on_free_ports(lambda: free_port_runs(1 + processes, 2, 1), start)
        try:
            yield running
        finally:
            _stop(running.assistant)
    if not running.keep_logs:
        shutil.rmtree(logs, ignore_errors=True)


def _stop(assistant: Assistant) -> None:
    assistant.stop()
    shutil.rmtree(assistant.run_dir, ignore_errors=True)


@contextmanager
def _maybe_redis(name: str, tag: str) -> Iterator[Optional[int]]:
    if name == "embedded":
        yield None
    else:
        with redis_database(tag) as number:
            yield number
