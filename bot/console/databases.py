"""The console's two databases, opened when the app is made (never at import time)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.storage.database import make_engine, make_session_factory
from bot.storage.events import EventRepository
from bot.storage.migrate import ensure_schema


@dataclass
class Databases:
    project: Engine  # DATABASE_URL: summaries, staff, tags, notes, tickets
    tracker: Engine  # TRACKER_STORE_URL: Rasa's events, read only
    sessions: sessionmaker

    @classmethod
    def open(cls, database_url: str, tracker_store_url: str, migrate: bool = True) -> "Databases":
        if migrate:
            ensure_schema(database_url)
        project = make_engine(database_url)
        tracker = project if tracker_store_url == database_url else make_engine(tracker_store_url)
        return cls(project=project, tracker=tracker, sessions=make_session_factory(project))

    @property
    def events(self) -> EventRepository:
        return EventRepository(self.tracker)

    def dispose(self) -> None:
        self.project.dispose()
        if self.tracker is not self.project:
            self.tracker.dispose()


def zone(name: str) -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # no tz database on this machine: UTC rather than no console
        return dt.timezone.utc


def format_time(timestamp: Optional[float], tz: dt.tzinfo, seconds: bool = False) -> str:
    if timestamp is None:
        return ""
    moment = dt.datetime.fromtimestamp(timestamp, tz)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def iso_time(timestamp: Optional[float], tz: dt.tzinfo) -> str:
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, tz).isoformat(timespec="seconds")
