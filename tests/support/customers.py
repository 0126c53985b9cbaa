"""Customers of a running assistant: on the REST channel, and on socket.io as the widget."""
from __future__ import annotations

import asyncio
import random
import uuid
from typing import List, Optional

import requests
import socketio


class RestCustomer:
    """A customer talking through the REST channel."""

    def __init__(self, base_url: str, sender: str = None) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = sender or f"test-{uuid.uuid4().hex}"
        # Each customer comes from an address of its own (a TEST-NET header value, no
        # traffic goes there), as behind the load balancer; believed only from a trusted
        # proxy (TRUSTED_PROXIES, bot/client_address.py).
        self.address = f"203.0.113.{random.randint(1, 254)}"

    def post(self, message, timeout: float = 30) -> requests.Response:
        return requests.post(
            self.url, json={"sender": self.sender, "message": message},
            headers={"X-Real-IP": self.address}, timeout=timeout,
        )

    def say(self, message, timeout: float = 30) -> list:
        response = self.post(message, timeout)
        response.raise_for_status()
        return response.json()

    def say_text(self, message) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message))


class SocketCustomer:
    """The widget's side: a real socket.io client in a conversation of its own.

    ``language`` goes with every message as the widget's metadata (the widget sends the
    page's language; None sends none); ``read_timeout`` is how long ``read_until`` waits
    for each message."""

    def __init__(self, url: str, session_id: Optional[str] = None,
                 language: Optional[str] = None, read_timeout: float = 45) -> None:
        self.url = url
        self.session_id = session_id or uuid.uuid4().hex
        self.language = language
        self.read_timeout = read_timeout
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue = asyncio.Queue()
        self.statuses: List[dict] = []
        self.confirmed = asyncio.Event()
        self.client.on("bot_uttered", self.received.put_nowait)
        self.client.on("handoff_status", self.statuses.append)
        self.client.on("session_confirm", lambda *_: self.confirmed.set())

    async def connect(self) -> "SocketCustomer":
        await self.client.connect(self.url, transports=["websocket"])
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(self.confirmed.wait(), 10)
        return self

    async def say(self, text: str) -> None:
        message = {"message": text, "session_id": self.session_id}
        if self.language:
            message["metadata"] = {"language": self.language}
        await self.client.emit("user_uttered", message)

    async def read_until(self, needle: str, timeout: Optional[float] = None) -> list:
        messages = []
        while True:
            message = await asyncio.wait_for(self.received.get(), timeout or self.read_timeout)
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
