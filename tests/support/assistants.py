"""What the tests that start the whole assistant (bot.ops.launcher.Assistant) share: its
environment, the trained model it needs, and where its logs and screenshots go."""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Dict

from bot.ops.launcher import MODEL_PATH

# Logs, screenshots and other artefacts of a test run (tests/.output, not in git).
TEST_OUTPUT = Path(__file__).resolve().parents[1] / ".output"


def require_trained_model() -> None:
    """Without a model the tests fail rather than skip; `make test` trains one."""
    assert MODEL_PATH.exists(), "no trained model: run `make train` (make test does)"


def embedded_env(data: Path, rasa_port: int, action_port: int, pages_port: int,
                 **extra: str) -> Dict[str, str]:
    """The environment of an assistant of a test package's own: its ports, and its
    SQLite databases in ``data``."""
    return {
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "PAGES_PORT": str(pages_port),
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
