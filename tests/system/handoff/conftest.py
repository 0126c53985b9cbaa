"""Live handoff against the real assistant: Rasa server, action server and the pages
process (console) on their own ports (6005, 6055, 9080, or free ones while another run
holds them) and temporary SQLite files.

The customer is a real socket.io client (as the widget); agents use the console's own
interface over HTTP: they sign in, take forms' CSRF tokens and post the forms.  The
opening hours are "always"; who is on duty is each test's business (``duty``).  The
claim timeout is off in this assistant: tests run the watcher's round themselves
(bot/handoff/watcher.py does the same on a timer in the pages process).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

from bot.ops.launcher import Assistant
from tests.support.agents import Agent
from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model
from tests.support.ports import free_port

RASA_PORT = free_port(6005)
ACTION_PORT = free_port(6055)
PAGES_PORT = free_port(9080)
RASA_URL = f"http://localhost:{RASA_PORT}"
PAGES_URL = f"http://localhost:{PAGES_PORT}"
ADMIN_PASSWORD = "handoff admin password for tests"
AGENT_PASSWORD = "handoff agent password 1"
LOG_DIR = TEST_OUTPUT / "handoff"


@dataclass
class Live:
    assistant: Assistant
    data_dir: Path
    env: Dict[str, str]

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    @property
    def tracker_store_url(self) -> str:
        return self.env["TRACKER_STORE_URL"]


def live_env(data: Path, **extra: str) -> Dict[str, str]:
    return embedded_env(data, RASA_PORT, ACTION_PORT, PAGES_PORT, **{
        "CONSOLE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CONSOLE_SECRET_KEY": uuid.uuid4().hex * 2,
        "HANDOFF_HOURS": "always",
        "HANDOFF_CLAIM_TIMEOUT_SECONDS": "0",
        **extra,
    })


@pytest.fixture(scope="package")
def live(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("handoff")
    env = live_env(data)
    running = Assistant(env=env, log_dir=LOG_DIR / "logs").start()
    try:
        yield Live(running, data, {**env, "RASA_API_TOKEN": running.env["RASA_API_TOKEN"]})
    finally:
        running.stop()


@pytest.fixture(scope="package")
def admin(live) -> Agent:
    return Agent(PAGES_URL, "admin", ADMIN_PASSWORD)


def make_agent(admin: Agent, username: str) -> Agent:
    page = admin.post("/console/users", {"username": username, "role": "agent",
                                         "password": AGENT_PASSWORD})
    assert page.status_code == 200, page.status_code
    return Agent(PAGES_URL, username, AGENT_PASSWORD)


@pytest.fixture(scope="package")
def anna(admin) -> Agent:
    agent = make_agent(admin, "anna.svensson")
    agent.set_duty(True)
    return agent


@pytest.fixture(scope="package")
def bertil(admin) -> Agent:
    return make_agent(admin, "bertil")
