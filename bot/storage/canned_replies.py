"""Canned replies: short texts in English or Swedish that agents insert into a live chat's
reply box with a keystroke (bot/console/templates/agent/chat.html), managed by admins.

A reply is found by its ``shortcut`` (typed after "/" in the reply box); one shortcut may
have an English and a Swedish text, so that the chat's language is offered first.  The
text reaches customers as the agent's message: it is stored as written and formatted and
escaped like any agent message where it is shown (bot/console/message_format.py).
Migration 0006 creates the table and seeds a greeting, "checking" and "closing" in both
languages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from sqlalchemy import Column, Float, Integer, String, Text, UniqueConstraint, case, select
from sqlalchemy.orm import Session

from bot.storage.annotations import now
from bot.storage.database import Base

LANGUAGES = ("en", "sv")
SHORTCUT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TITLE_CHARS = 100
# The same limit as an agent's message (bot/handoff/lifecycle.py, MAX_REPLY_CHARS).
TEXT_CHARS = 4000


class CannedReply(Base):
    __tablename__ = "canned_replies"
    __table_args__ = (
        UniqueConstraint("shortcut", "language", name="uq_canned_replies_shortcut_language"),
    )

    id = Column(Integer, primary_key=True)
    shortcut = Column(String(32), nullable=False)
    language = Column(String(8), nullable=False)
    title = Column(String(TITLE_CHARS), nullable=False)
    text = Column(Text, nullable=False)
    updated_at = Column(Float, nullable=False)
    updated_by = Column(String(64))


class InvalidCannedReply(ValueError):
    """What is wrong with a canned reply an admin wrote, in words for the admin."""


@dataclass(frozen=True)
class CannedReplyInput:
    """A canned reply as an admin typed it, checked by ``validated``."""

    shortcut: str
    language: str
    title: str
    text: str

    def validated(self) -> "CannedReplyInput":
        shortcut = (self.shortcut or "").strip().lstrip("/").lower()
        if not SHORTCUT_PATTERN.match(shortcut):
            raise InvalidCannedReply("A shortcut is 1-32 lower-case letters, digits, '_' or '-'.")
        if self.language not in LANGUAGES:
            raise InvalidCannedReply("The language is English (en) or Swedish (sv).")
        title = " ".join((self.title or "").split())
        if not title or len(title) > TITLE_CHARS:
            raise InvalidCannedReply(f"A title is 1-{TITLE_CHARS} characters.")
        text = (self.text or "").replace("\r\n", "\n").strip()
        if not text or len(text) > TEXT_CHARS:
            raise InvalidCannedReply(f"A text is 1-{TEXT_CHARS} characters.")
        return CannedReplyInput(shortcut, self.language, title, text)


class CannedReplyRepository:
    """Reads and writes of canned replies in the caller's session (a unit of work,
    bot/storage/unit_of_work.py, owns the commit)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self, language_first: Optional[str] = None) -> List[CannedReply]:
        """Every canned reply by shortcut; with ``language_first``, that language's first."""
        order = [CannedReply.shortcut, CannedReply.language]
        if language_first:
            order.insert(0, case((CannedReply.language == language_first, 0), else_=1))
        return list(self.session.execute(select(CannedReply).order_by(*order)).scalars())

    def get(self, reply_id: int) -> Optional[CannedReply]:
        return self.session.get(CannedReply, reply_id)

    def _taken(self, reply: CannedReplyInput, other_than: Optional[int] = None) -> bool:
        query = select(CannedReply.id).where(CannedReply.shortcut == reply.shortcut,
                                             CannedReply.language == reply.language)
        if other_than is not None:
            query = query.where(CannedReply.id != other_than)
        return self.session.execute(query.limit(1)).first() is not None

    def _check(self, reply: CannedReplyInput, other_than: Optional[int] = None) -> CannedReplyInput:
        reply = reply.validated()
        if self._taken(reply, other_than):
            raise InvalidCannedReply(
                f"/{reply.shortcut} already has a {reply.language} text: edit that one.")
        return reply

    def add(self, reply: CannedReplyInput, username: str) -> CannedReply:
        reply = self._check(reply)
        row = CannedReply(shortcut=reply.shortcut, language=reply.language, title=reply.title,
                          text=reply.text, updated_at=now(), updated_by=username)
        self.session.add(row)
        self.session.flush()
        return row

    def change(self, reply_id: int, reply: CannedReplyInput, username: str) -> Optional[CannedReply]:
        """The reply with new values; None if it no longer exists."""
        row = self.get(reply_id)
        if row is None:
            return None
        reply = self._check(reply, other_than=reply_id)
        row.shortcut, row.language, row.title, row.text = (
            reply.shortcut, reply.language, reply.title, reply.text)
        row.updated_at, row.updated_by = now(), username
        self.session.flush()
        return row

    def remove(self, reply_id: int) -> Optional[CannedReply]:
        """Deletes the reply; returns it (None if it was gone already)."""
        row = self.get(reply_id)
        if row is not None:
            self.session.delete(row)
            self.session.flush()
        return row
