"""An aged database for the tests: the demo data (bot/ops/demo_data.py) in its shape, with
fewer conversations (3,000 over three months) but every ticket state and more than 1,000
open follow-ups in front of today's live chats.  Built once per test process
(tests/conftest.py ``aged``) and only read by the tests that use it."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bot.console.databases import Databases
from bot.ops.demo_data import DemoPlan, Seeded, seed
from bot.storage.events import create_events_table

PASSWORD = "aged database password"
PLAN = DemoPlan(conversations=3_000, tickets=1_400, follow_ups=1_050, seed=12)


@dataclass
class Aged:
    databases: Databases
    seeded: Seeded
    now: float  # when it was seeded: the three months end here


def build(folder: Path) -> Aged:
    tracker = f"sqlite:///{folder / 'tracker.db'}"
    create_events_table(tracker)
    databases = Databases.open(f"sqlite:///{folder / 'assistant.db'}", tracker)
    now = time.time()
    return Aged(databases, seed(databases, PLAN, now=now, password=PASSWORD), now)
