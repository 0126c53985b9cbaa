"""All configuration, read from environment variables with working defaults.

Nothing else in the project reads os.environ: import ``settings()`` and ask it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


@dataclass(frozen=True)
class Settings:
    # The project's own tables (handoff tickets, later staff data).
    database_url: str
    # Rasa's tracker store: every conversation, event by event.
    tracker_store_url: str
    rasa_port: int
    action_port: int
    # The demo page with the chat widget (and later the staff console).
    pages_port: int
    # How many consecutive misunderstood messages before a human takes over.
    max_misunderstood: int
    # How many of the customer's latest messages a handoff ticket keeps.
    ticket_recent_messages: int
    # --- Production profile (README "Production profile") ---
    # Redis for Rasa's lock store; empty: the in-memory lock store (one process only).
    redis_url: str
    # Rasa server processes behind the load balancer on rasa_port; 1: no balancer.
    rasa_processes: int
    # Token for Rasa's HTTP API; empty: the API is not enabled at all.
    rasa_api_token: str
    # Longest customer message the assistant reads; longer ones get a polite answer.
    max_message_chars: int
    # Messages allowed per minute from one conversation, and from one address.
    rate_limit_per_sender: int
    rate_limit_per_address: int


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{VAR_DIR / name}"


def settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """The settings from ``env`` (default: this process's environment)."""
    env = os.environ if env is None else env
    return Settings(
        database_url=env.get("DATABASE_URL", _sqlite_url("assistant.db")),
        tracker_store_url=env.get("TRACKER_STORE_URL", _sqlite_url("tracker.db")),
        rasa_port=int(env.get("RASA_PORT", "5005")),
        action_port=int(env.get("ACTION_PORT", "5055")),
        pages_port=int(env.get("PAGES_PORT", "8080")),
        max_misunderstood=int(env.get("MAX_MISUNDERSTOOD", "2")),
        ticket_recent_messages=int(env.get("TICKET_RECENT_MESSAGES", "5")),
        redis_url=env.get("REDIS_URL", ""),
        rasa_processes=int(env.get("RASA_PROCESSES", "1")),
        rasa_api_token=env.get("RASA_API_TOKEN", ""),
        max_message_chars=int(env.get("MAX_MESSAGE_CHARS", "5000")),
        rate_limit_per_sender=int(env.get("RATE_LIMIT_PER_SENDER", "30")),
        rate_limit_per_address=int(env.get("RATE_LIMIT_PER_ADDRESS", "120")),
    )
