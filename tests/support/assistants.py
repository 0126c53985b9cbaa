"""What the tests that start the whole assistant (bot.ops.launcher.Assistant) share: its
ports and environment, starting and stopping it, the trained model it needs, and where
its logs and screenshots go."""
from __future__ import annotations

import json
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, Tuple

from bot.ops.launcher import MODEL_PATH, Assistant
from tests.support.ports import free_port_runs, free_ports, start_on_free_ports

# Logs, screenshots and other artefacts of a test run (tests/.output, not in git).
TEST_OUTPUT = Path(__file__).resolve().parents[1] / ".output"


def require_trained_model() -> None:
    """Without a model the tests fail rather than skip; `make test` trains one."""
    assert MODEL_PATH.exists(), "no trained model: run `make train` (make test does)"


@dataclass(frozen=True)
class AssistantPorts:
    """Where a test's assistant listens; its fixture hands these (or URLs) to the tests."""

    rasa: int
    action: int
    pages: int

    @classmethod
    def free(cls, rasa_processes: int = 1) -> "AssistantPorts":
        """Ports the OS has just chosen.  With several Rasa processes (production profile)
        the launcher also uses the ports after RASA_PORT (one per process) and the one
        after ACTION_PORT (the action server behind nginx): those are free too."""
        if rasa_processes > 1:
            rasa, action, pages = free_port_runs(1 + rasa_processes, 2, 1)
            return cls(rasa[0], action[0], pages[0])
        return cls(*free_ports(3))

    def env(self) -> Dict[str, str]:
        return {"RASA_PORT": str(self.rasa), "ACTION_PORT": str(self.action),
                "PAGES_PORT": str(self.pages)}

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.rasa}"

    @property
    def pages_url(self) -> str:
        return f"http://localhost:{self.pages}"

    def rasa_process_url(self, number: int) -> str:
        """Rasa process ``number`` (from 1) itself, behind nginx's back (production profile)."""
        return f"http://127.0.0.1:{self.rasa + number}"


# Test customers escalate many times an hour, most from one address (socket.io clients on
# loopback): no escalation limits unless a test sets them (tests/system/probe/).
UNLIMITED_ESCALATIONS = {"ESCALATIONS_PER_ADDRESS_PER_HOUR": "0", "ESCALATIONS_PER_HOUR": "0"}


@contextmanager
def running_assistant(env_for: Callable[[AssistantPorts], Dict[str, str]], log_dir: Path,
                      rasa_processes: int = 1) -> Iterator[Tuple[Assistant, AssistantPorts]]:
    """An Assistant with the environment ``env_for(ports)``, started on ports chosen as it
    starts (once more on new ones if it loses them: tests/support/ports.py), and stopped
    at the end.  Its run directory (var/run-<RASA_PORT>) goes with it: every run has new
    ports, so those directories would pile up."""

    def start(ports: AssistantPorts) -> Tuple[Assistant, AssistantPorts]:
        assistant = Assistant(env={**UNLIMITED_ESCALATIONS, **env_for(ports)}, log_dir=log_dir)
        try:
            assistant.start()
            # A process that lost its port exits; its health check may have been answered
            # by whatever took the port.
            exited = [name for name, process in assistant.processes.items()
                      if process.poll() is not None]
            if exited:
                raise RuntimeError(f"exited after starting: {', '.join(exited)}")
            return assistant, ports
        except BaseException:
            assistant.stop()
            _remove_run_dir(assistant)
            raise

    assistant, ports = start_on_free_ports(lambda: AssistantPorts.free(rasa_processes), start)
    try:
        yield assistant, ports
    finally:
        assistant.stop()
        _remove_run_dir(assistant)


def _remove_run_dir(assistant: Assistant) -> None:
    """Removes the run directory, after appending its logs (nginx's error log) to the
    processes' logs in ``log_dir``, where a failure is looked into."""
    if assistant.log_dir is not None:
        assistant.log_dir.mkdir(parents=True, exist_ok=True)
        for log in assistant.run_dir.glob("*.log"):
            with open(assistant.log_dir / log.name, "ab") as kept:
                kept.write(log.read_bytes())
    shutil.rmtree(assistant.run_dir, ignore_errors=True)


def embedded_env(data: Path, ports: AssistantPorts, **extra: str) -> Dict[str, str]:
    """The environment of an assistant of a test package's own: its ports, and its
    SQLite databases in ``data``."""
    return {
        **ports.env(),
        "DATABASE_URL": f"sqlite:///{data / 'assistant.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{data / 'tracker.db'}",
        **extra,
    }


def user_events(tracker_db: Path, sender_id: str, timeout: float = 30) -> list:
    """The user events Rasa stored for a conversation (what staff see), waiting for them."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(tracker_db) as connection:
            rows = connection.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                (sender_id,),
            ).fetchall()
        if rows or time.monotonic() > deadline:
            return [json.loads(row[0]) for row in rows]
        time.sleep(0.5)
