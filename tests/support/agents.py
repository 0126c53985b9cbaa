"""A staff user of a running console (the pages process), through its HTML forms over
HTTP: sign in, take the forms' CSRF token, post the forms."""
from __future__ import annotations

import re
from typing import Dict, Optional

import requests

from bot.handoff.agents import default_first_name


class Agent:
    """A staff user in the console at ``pages_url``, through its HTML forms."""

    def __init__(self, pages_url: str, username: str, password: str) -> None:
        self.pages_url = pages_url
        self.username = username
        self.http = requests.Session()
        page = self.http.get(f"{pages_url}/console/login", timeout=10).text
        response = self.http.post(f"{pages_url}/console/login", data={
            "username": username, "password": password, "csrf_token": _csrf(page), "next": ""},
            timeout=10, allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        self.token = _csrf(self.http.get(f"{pages_url}/console/agent/", timeout=10).text)
        # The name customers see, confirmed as agents do on first sign-in ("Anna").
        assert self.post("/console/agent/name", {"first_name": default_first_name(username)}
                         ).status_code == 302

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.pages_url}{path}", timeout=30, **kwargs)

    def post(self, path: str, data: Optional[Dict[str, str]] = None, **kwargs) -> requests.Response:
        return self.http.post(f"{self.pages_url}{path}", data={**(data or {}), "csrf_token": self.token},
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
