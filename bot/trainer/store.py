"""The trainer's table: what was decided about inbox messages (so they stay decided)."""
from __future__ import annotations

import datetime as dt
from typing import Dict, Iterable, Optional

from sqlalchemy import Column, Float, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Session

from bot.storage.database import Base
from bot.trainer.text import text_key

DECISIONS = ("accepted", "relabelled", "dismissed", "added")


class InboxDecision(Base):
    __tablename__ = "trainer_inbox_decisions"
    __table_args__ = (UniqueConstraint("text_key", name="uq_trainer_inbox_decisions_text_key"),)

    id = Column(Integer, primary_key=True)
    # sha1 of the normalised text: the same words from another customer stay decided.
    text_key = Column(String(40), nullable=False)
    text = Column(Text, nullable=False)
    decision = Column(String(16), nullable=False)
    intent = Column(String(64))
    language = Column(String(8))
    decided_by = Column(String(64), nullable=False)
    decided_at = Column(Float, nullable=False)


class DecisionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def decided_keys(self) -> Dict[str, str]:
        return dict(self.session.execute(select(InboxDecision.text_key, InboxDecision.decision)).all())

    def record(self, texts: Iterable[str], decision: str, decided_by: str,
               intent: Optional[str] = None, language: Optional[str] = None) -> int:
        """Records ``decision`` for every text (the members of a group); returns how many."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")
        now = dt.datetime.now(dt.timezone.utc).timestamp()
        count = 0
        seen = set()
        for text in texts:
            key = text_key(text)
            if key in seen:
                continue
            seen.add(key)
            row = self.session.execute(
                select(InboxDecision).where(InboxDecision.text_key == key)
            ).scalar_one_or_none()
            if row is None:
                row = InboxDecision(text_key=key, text=text[:2000])
                self.session.add(row)
            row.decision, row.intent, row.language = decision, intent, language
            row.decided_by, row.decided_at = decided_by, now
            count += 1
        self.session.flush()
        return count

    def recent(self, limit: int = 50):
        return list(self.session.execute(
            select(InboxDecision).order_by(InboxDecision.decided_at.desc()).limit(limit)
        ).scalars())
