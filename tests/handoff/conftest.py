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

import asyncio
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests
import socketio

from bot.ops.launcher import MODEL_PATH, Assistant
from tests.browser.conftest import _port
from tests.conftest import embedded_env

RASA_PORT = _port(6005)
ACTION_PORT = _port(6055)
PAGES_PORT = _port(9080)
RASA_URL = f"http://localhost:{RASA_PORT}"
PAGES_URL = f"http://localhost:{PAGES_PORT}"
ADMIN_PASSWORD = "handoff admin password for tests"
AGENT_PASSWORD = "handoff agent password 1"
LOG_DIR = Path(__file__).resolve().parents[1] / ".output" / "handoff"


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
    assert MODEL_PATH.exists(), "no trained model: run `make train` (make test does)"
    data = tmp_path_factory.mktemp("handoff")
    env = live_env(data)
    running = Assistant(env=env, log_dir=LOG_DIR / "logs").start()
    try:
        yield Live(running, data, {**env, "RASA_API_TOKEN": running.env["RASA_API_TOKEN"]})
    finally:
        running.stop()


class Agent:
    """A staff user in the console, through its HTML forms."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.http = requests.Session()
        page = self.http.get(f"{PAGES_URL}/console/login", timeout=10).text
        response = self.http.post(f"{PAGES_URL}/console/login", data={
            "username": username, "password": password, "csrf_token": _csrf(page), "next": ""},
            timeout=10, allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        self.token = _csrf(self.http.get(f"{PAGES_URL}/console/agent/", timeout=10).text)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{PAGES_URL}{path}", timeout=30, **kwargs)

    def post(self, path: str, data: Optional[Dict[str, str]] = None, **kwargs) -> requests.Response:
        return self.http.post(f"{PAGES_URL}{path}", data={**(data or {}), "csrf_token": self.token},
                              timeout=30, allow_redirects=False, **kwargs)

    def inbox(self) -> dict:
        response = self.get("/console/api/agent/inbox")
        response.raise_for_status()
        return response.json()

    def set_duty(self, on: bool) -> None:
        assert self.post("/console/agent/duty", {"on_duty": "yes" if on else "no"}).status_code == 302

    def chat_path(self, conversation_id: str) -> str:
        return f"/console/agent/chats/{conversation_id}"

    def claim(self, conversation_id: str) -> requests.Response:
        return self.post(self.chat_path(conversation_id) + "/claim")

    def reply(self, conversation_id: str, text: str) -> requests.Response:
        return self.post(self.chat_path(conversation_id) + "/reply", {"text": text})

    def messages(self, conversation_id: str, after: int = 0) -> dict:
        response = self.get(f"/console/api/agent/chats/{conversation_id}/messages?after={after}")
        response.raise_for_status()
        return response.json()


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture(scope="package")
def admin(live) -> Agent:
    return Agent("admin", ADMIN_PASSWORD)


def make_agent(admin: Agent, username: str) -> Agent:
    page = admin.post("/console/users", {"username": username, "role": "agent",
                                         "password": AGENT_PASSWORD})
    assert page.status_code == 200, page.status_code
    return Agent(username, AGENT_PASSWORD)


@pytest.fixture(scope="package")
def anna(admin) -> Agent:
    agent = make_agent(admin, "anna.svensson")
    agent.set_duty(True)
    return agent


@pytest.fixture(scope="package")
def bertil(admin) -> Agent:
    return make_agent(admin, "bertil")


class Customer:
    """The widget's side: a real socket.io client in a conversation of its own."""

    def __init__(self, session_id: Optional[str] = None) -> None:
        self.session_id = session_id or uuid.uuid4().hex
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue = asyncio.Queue()
        self.statuses: List[dict] = []
        self.confirmed = asyncio.Event()
        self.client.on("bot_uttered", self.received.put_nowait)
        self.client.on("handoff_status", self.statuses.append)
        self.client.on("session_confirm", lambda *_: self.confirmed.set())

    async def connect(self) -> "Customer":
        await self.client.connect(RASA_URL, transports=["websocket"])
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(self.confirmed.wait(), 10)
        return self

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                                "metadata": {"language": "en"}})

    async def read_until(self, needle: str, timeout: float = 45) -> list:
        messages = []
        while True:
            message = await asyncio.wait_for(self.received.get(), timeout)
            messages.append(message)
            if needle in (message.get("text") or ""):
                return messages

    async def nothing_for(self, seconds: float) -> list:
        """Whatever arrives within ``seconds`` (the assistant should be quiet)."""
        messages = []
        try:
            while True:
                messages.append(await asyncio.wait_for(self.received.get(), seconds))
        except asyncio.TimeoutError:
            return messages

    async def close(self) -> None:
        await self.client.disconnect()
