"""What staff add to conversations (tags, notes, reviewed marks) and the audit log."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.orm import Session

from bot.privacy import mask_text
from bot.storage.database import Base

TAG_PATTERN = re.compile(r"^[a-z0-9åäö][a-z0-9åäö _.-]{0,39}$")
NOTE_CHARS = 4000


def now() -> float:
    return dt.datetime.now(dt.timezone.utc).timestamp()


class ConversationTag(Base):
    __tablename__ = "conversation_tags"
    __table_args__ = (
        UniqueConstraint("conversation_id", "tag", name="uq_conversation_tags_conversation_tag"),
        Index("ix_conversation_tags_tag", "tag", "conversation_id"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    tag = Column(String(40), nullable=False)
    created_by = Column(String(64), nullable=False)
    created_at = Column(Float, nullable=False)


class ConversationNote(Base):
    __tablename__ = "conversation_notes"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    body = Column(Text, nullable=False)
    created_by = Column(String(64), nullable=False)
    created_at = Column(Float, nullable=False)


class ConversationReview(Base):
    __tablename__ = "conversation_reviews"

    conversation_id = Column(String(255), primary_key=True)
    reviewed_by = Column(String(64), nullable=False)
    reviewed_at = Column(Float, nullable=False)


class AuditEvent(Base):
    """Who did what in the console, and when."""

    __tablename__ = "console_audit"

    id = Column(Integer, primary_key=True)
    at = Column(Float, nullable=False, index=True)
    username = Column(String(64), nullable=False)
    action = Column(String(40), nullable=False)
    conversation_id = Column(String(255), index=True)
    detail = Column(JSON, nullable=False, default=dict)


class InvalidTag(ValueError):
    pass


def normalise_tag(tag: str) -> str:
    tag = " ".join((tag or "").strip().lower().split())
    if not TAG_PATTERN.match(tag):
        raise InvalidTag(
            "A tag is 1-40 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit."
        )
    return tag


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        username: str,
        action: str,
        conversation_id: Optional[str] = None,
        **detail: Any,
    ) -> AuditEvent:
        event = AuditEvent(
            at=now(), username=username, action=action,
            conversation_id=conversation_id, detail=detail,
        )
        self.session.add(event)
        return event

    def recorded_since(self, action: str, since: float) -> bool:
        """Whether ``action`` was recorded at or after ``since`` (a timestamp)."""
        return self.session.execute(
            select(AuditEvent.id).where(AuditEvent.action == action, AuditEvent.at >= since)
            .limit(1)
        ).first() is not None

    def remove(self, event_id: int) -> None:
        """Only to undo a change that did not take effect after all (the handoff's "tell
        Rasa or undo", bot/handoff/lifecycle.py): the log keeps what happened."""
        self.session.execute(delete(AuditEvent).where(AuditEvent.id == event_id))

    def for_conversation(self, conversation_id: str) -> List[AuditEvent]:
        return list(
            self.session.execute(
                select(AuditEvent)
                .where(AuditEvent.conversation_id == conversation_id)
                .order_by(AuditEvent.at, AuditEvent.id)
            ).scalars()
        )

    def recent(self, limit: int = 200) -> List[AuditEvent]:
        return list(
            self.session.execute(
                select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            ).scalars()
        )


class AnnotationRepository:
    """Tags, notes and the reviewed mark of conversations; every change is audited."""

    def __init__(self, session: Session, username: str) -> None:
        self.session = session
        self.username = username
        self.audit = AuditRepository(session)

    def tags(self, conversation_id: str) -> List[ConversationTag]:
        return list(
            self.session.execute(
                select(ConversationTag)
                .where(ConversationTag.conversation_id == conversation_id)
                .order_by(ConversationTag.tag)
            ).scalars()
        )

    def add_tag(self, conversation_id: str, tag: str) -> str:
        tag = normalise_tag(tag)
        existing = self.session.execute(
            select(ConversationTag).where(
                ConversationTag.conversation_id == conversation_id, ConversationTag.tag == tag
            )
        ).scalar_one_or_none()
        if existing is None:
            self.session.add(
                ConversationTag(
                    conversation_id=conversation_id, tag=tag,
                    created_by=self.username, created_at=now(),
                )
            )
            self.audit.record(self.username, "tag_added", conversation_id, tag=tag)
        return tag

    def remove_tag(self, conversation_id: str, tag: str) -> bool:
        result = self.session.execute(
            delete(ConversationTag).where(
                ConversationTag.conversation_id == conversation_id, ConversationTag.tag == tag
            )
        )
        if result.rowcount:
            self.audit.record(self.username, "tag_removed", conversation_id, tag=tag)
        return bool(result.rowcount)

    def notes(self, conversation_id: str) -> List[ConversationNote]:
        return list(
            self.session.execute(
                select(ConversationNote)
                .where(ConversationNote.conversation_id == conversation_id)
                .order_by(ConversationNote.created_at, ConversationNote.id)
            ).scalars()
        )

    def add_note(self, conversation_id: str, body: str) -> ConversationNote:
        body = (body or "").strip()
        if not body:
            raise ValueError("A note needs some text.")
        # Staff sometimes paste what the customer wrote: the same masking applies.
        note = ConversationNote(
            conversation_id=conversation_id, body=mask_text(body[:NOTE_CHARS]),
            created_by=self.username, created_at=now(),
        )
        self.session.add(note)
        self.session.flush()
        self.audit.record(self.username, "note_added", conversation_id, note_id=note.id)
        return note

    def review(self, conversation_id: str) -> Optional[ConversationReview]:
        return self.session.get(ConversationReview, conversation_id)

    def set_reviewed(self, conversation_id: str, reviewed: bool) -> None:
        current = self.review(conversation_id)
        if reviewed and current is None:
            self.session.add(
                ConversationReview(
                    conversation_id=conversation_id, reviewed_by=self.username, reviewed_at=now()
                )
            )
            self.audit.record(self.username, "marked_reviewed", conversation_id)
        elif not reviewed and current is not None:
            self.session.delete(current)
            self.audit.record(self.username, "unmarked_reviewed", conversation_id)

    def summary(self, conversation_id: str) -> Dict[str, Any]:
        return {
            "tags": [t.tag for t in self.tags(conversation_id)],
            "notes": self.notes(conversation_id),
            "review": self.review(conversation_id),
        }
