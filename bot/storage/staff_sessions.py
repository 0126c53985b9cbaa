"""Staff sessions kept on the server: the console's cookie holds only a random id.

A row per signed-in browser, found by the SHA-256 of the cookie's id (a copy of the
table gives no usable cookie).  Signing out deletes the row, so a cookie saved before
stops working at once (issue 14 item 4); so does "sign out everywhere", a password or
role change and disabling the user (``end_all``).  A session ends after
``idle_seconds`` without a request and ``lifetime_seconds`` after sign-in, whichever
comes first; ``find`` deletes such a row when it meets one and ``create`` sweeps the
rest.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any, Dict, Optional

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Text, delete, or_, select
from sqlalchemy.orm import Session

from bot.storage.database import Base


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    id_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False, index=True)
    # The session's contents as JSON: user id, CSRF token, messages for the next page.
    data = Column(Text, nullable=False)
    created_at = Column(Float, nullable=False)
    last_seen_at = Column(Float, nullable=False)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Lifetimes:
    idle_seconds: float
    lifetime_seconds: float


@dataclass(frozen=True)
class FoundSession:
    data: Dict[str, Any]
    last_seen_at: float


class StaffSessionRepository:
    def __init__(self, session: Session, lifetimes: Lifetimes) -> None:
        self.session = session
        self.lifetimes = lifetimes

    def _expired(self, now: float):
        return or_(StaffSession.last_seen_at < now - self.lifetimes.idle_seconds,
                   StaffSession.created_at < now - self.lifetimes.lifetime_seconds)

    def create(self, user_id: int, data: Dict[str, Any], now: float) -> str:
        """A new session of ``user_id``; returns the id for the cookie (never stored)."""
        self.session.execute(delete(StaffSession).where(self._expired(now)))
        session_id = secrets.token_urlsafe(32)
        self.session.add(StaffSession(id_hash=_hash(session_id), user_id=user_id,
                                      data=json.dumps(data), created_at=now, last_seen_at=now))
        return session_id

    def find(self, session_id: str, now: float) -> Optional[FoundSession]:
        """The live session with this id (None if unknown, signed out or expired)."""
        row = self.session.get(StaffSession, _hash(session_id))
        if row is None:
            return None
        if (row.last_seen_at < now - self.lifetimes.idle_seconds
                or row.created_at < now - self.lifetimes.lifetime_seconds):
            self.session.delete(row)
            return None
        return FoundSession(json.loads(row.data), row.last_seen_at)

    def save(self, session_id: str, data: Optional[Dict[str, Any]], now: float) -> None:
        """Records a request in the session (and its new contents, if given)."""
        row = self.session.get(StaffSession, _hash(session_id))
        if row is None:
            return
        row.last_seen_at = now
        if data is not None:
            row.data = json.dumps(data)

    def end(self, session_id: str) -> None:
        self.session.execute(delete(StaffSession).where(StaffSession.id_hash == _hash(session_id)))

    def count_for(self, user_id: int) -> int:
        return len(self.session.execute(
            select(StaffSession.id_hash).where(StaffSession.user_id == user_id)).all())


def end_all(session: Session, user_id: int) -> int:
    """Ends every session of a user ("sign out everywhere"); how many there were."""
    return session.execute(delete(StaffSession).where(StaffSession.user_id == user_id)).rowcount
