"""Rasa's HTTP API as the pages process uses it for live handoff.

Everything goes through ``POST /conversations/{id}/tracker/events`` with the run's token:
Rasa appends the events under the conversation's lock (the Redis lock store when there
are several Rasa processes), saves them in the tracker store that every process shares,
and with ``execute_side_effects`` sends the bot messages among them to the customer
through the socket.io channel (``output_channel=socketio``).  Whichever Rasa process
answers the request, the customer's socket receives the message: the channel's client
manager (bot/runtime/socket_manager.py) passes it to the process that holds the socket.

Pausing, resuming, an agent's message and the assistant's notices are all such events, so
nothing of the handoff lives in one process's memory.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

import requests

from bot.settings import Settings


class RasaUnavailable(RuntimeError):
    """Rasa's HTTP API did not take the events (down, or refused them)."""


def bot_event(text: str, metadata: Optional[Dict[str, Any]] = None,
              timestamp: Optional[float] = None) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "data": {}, "metadata": metadata or {},
            "timestamp": timestamp or time.time()}


def action_event(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name, "policy": "handoff", "confidence": 1.0,
            "timestamp": time.time()}


def utterance(name: str, text: str) -> List[Dict[str, Any]]:
    """A response as Rasa logs it when it utters one: the action, then the message."""
    return [action_event(name), bot_event(text, {"utter_action": name})]


class RasaApi:
    def __init__(self, base_url: str, token: str, timeout: float = 15) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_settings(cls, config: Settings) -> "RasaApi":
        return cls(config.handoff_rasa_url or f"http://127.0.0.1:{config.rasa_port}",
                   config.rasa_api_token)

    def append(self, conversation_id: str, events: List[Dict[str, Any]],
               deliver: bool = True) -> Dict[str, Any]:
        """Appends ``events`` to the conversation; ``deliver``: send its bot messages to
        the customer's widget.  Returns the tracker as Rasa has it afterwards."""
        params = {"token": self.token, "include_events": "NONE"}
        if deliver:
            params.update(execute_side_effects="true", output_channel="socketio")
        try:
            response = requests.post(
                f"{self.base_url}/conversations/{requests.utils.quote(conversation_id, safe='')}"
                "/tracker/events",
                params=params, json=events, timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise RasaUnavailable(f"Rasa did not answer: {error}") from error
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        try:
            response = requests.get(
                f"{self.base_url}/conversations/{requests.utils.quote(conversation_id, safe='')}"
                "/tracker",
                params={"token": self.token, "include_events": "NONE"}, timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise RasaUnavailable(f"Rasa did not answer: {error}") from error
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered {response.status_code}: {response.text[:200]}")
        return response.json()
