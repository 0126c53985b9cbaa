"""The NLU inbox: what customers wrote that the training data should perhaps learn.

Sources (recent conversations, from the summary rows and Rasa's events table):
the assistant fell back or was unsure (confidence below a threshold), the conversation
was escalated to a person, or staff tagged it for training in review.  Left out: button
payloads, long pastes, texts already in the training data or the held-out test set, and
texts already decided (accepted, relabelled or dismissed; decisions are kept by the
normalised text, so the same words from another customer stay decided).  Near-duplicates
are grouped; a decision applies to the whole group.  Messages with masked personal data
("[e-mail]") are shown but can only be dismissed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.storage.annotations import ConversationTag
from bot.storage.conversations import ConversationSummary
from bot.storage.events import EventRepository
from bot.trainer.datafile import Added, ExampleRefused, TrainingData, language_of
from bot.catalogue.intents import FALLBACK_INTENT
from bot.trainer.project import Project
from bot.trainer.store import DecisionRepository
from bot.trainer.text import contains_mask, group_near_duplicates, normalise, one_line, text_key

MAX_TEXT_CHARS = 300
REASONS = ("fell back", "low confidence", "escalated", "flagged")


@dataclass
class InboxMessage:
    conversation_id: str
    timestamp: float
    text: str
    language: str
    predicted: Optional[str]
    confidence: Optional[float]
    reasons: List[str]


@dataclass
class InboxItem:
    id: str
    messages: List[InboxMessage]
    reasons: List[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.messages[0].text

    @property
    def language(self) -> str:
        return self.messages[0].language

    @property
    def predicted(self) -> Optional[str]:
        """The intent most members were given (the classifier's guess when it fell back)."""
        counts: Dict[str, int] = {}
        for m in self.messages:
            if m.predicted:
                counts[m.predicted] = counts.get(m.predicted, 0) + 1
        return max(counts, key=lambda k: (counts[k], k == self.messages[0].predicted)) if counts else None

    @property
    def confidence(self) -> Optional[float]:
        values = [m.confidence for m in self.messages if m.confidence is not None]
        return min(values) if values else None

    @property
    def masked(self) -> bool:
        return contains_mask(self.text)

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages]

    @property
    def conversations(self) -> List[str]:
        return sorted({m.conversation_id for m in self.messages})

    def as_dict(self) -> dict:
        return {
            "id": self.id, "text": self.text, "language": self.language,
            "predicted": self.predicted, "confidence": self.confidence, "reasons": self.reasons,
            "masked": self.masked, "count": len(self.messages),
            "variants": sorted({m.text for m in self.messages} - {self.text}),
            "conversations": self.conversations,
        }


def _guess(parse_data: dict) -> Tuple[Optional[str], Optional[float]]:
    """The intent the assistant gave and its confidence; for a fallback, the classifier's
    best guess (what "accept" would teach) and that guess's confidence."""
    intent = parse_data.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence")
    if name == FALLBACK_INTENT:
        ranked = [r for r in parse_data.get("intent_ranking") or []
                  if r.get("name") not in (None, FALLBACK_INTENT)]
        if ranked:
            best = max(ranked, key=lambda r: r.get("confidence") or 0.0)
            return best["name"], best.get("confidence")
        return None, confidence
    return name, confidence if isinstance(confidence, (int, float)) else None


class Inbox:
    def __init__(self, session: Session, tracker: Engine, project: Optional[Project] = None,
                 threshold: float = 0.7, tags: Sequence[str] = ("training",), days: int = 30) -> None:
        self.session = session
        self.tracker = tracker
        self.project = project or Project()
        self.threshold = threshold
        self.tags = [t for t in tags if t]
        self.days = days

    # -- reading

    def _candidates(self, now: float, limit: int) -> Dict[str, Tuple[bool, bool, Optional[str]]]:
        """conversation id -> (escalated, flagged, language) for recent conversations of interest."""
        s = ConversationSummary
        flagged = exists().where(and_(ConversationTag.conversation_id == s.conversation_id,
                                      ConversationTag.tag.in_(self.tags or ["-"])))
        rows = self.session.execute(
            select(s.conversation_id, s.escalated, flagged.label("flagged"), s.language)
            .where(s.last_ts >= now - self.days * 86400)
            .where(or_(s.fell_back.is_(True), s.min_confidence < self.threshold,
                       s.escalated.is_(True), flagged))
            .order_by(s.last_ts.desc()).limit(limit)
        ).all()
        return {r.conversation_id: (bool(r.escalated), bool(r.flagged), r.language) for r in rows}

    def _messages(self, candidates) -> Iterable[InboxMessage]:
        events = EventRepository(self.tracker)
        for sender_id, timestamp, event in events.user_events_of(list(candidates)):
            text = one_line(event.get("text") or "")
            if not text or text.startswith("/") or len(text) > MAX_TEXT_CHARS:
                continue
            escalated, flagged, language = candidates[sender_id]
            predicted, confidence = _guess(event.get("parse_data") or {})
            reasons = []
            if (event.get("parse_data") or {}).get("intent", {}).get("name") == FALLBACK_INTENT:
                reasons.append("fell back")
            elif confidence is not None and confidence < self.threshold:
                reasons.append("low confidence")
            if escalated:
                reasons.append("escalated")
            if flagged:
                reasons.append("flagged")
            yield InboxMessage(sender_id, timestamp or event.get("timestamp") or 0.0, text,
                               language_of(text, language), predicted, confidence, reasons)

    def items(self, now: Optional[float] = None, limit_conversations: int = 2000) -> List[InboxItem]:
        now = now if now is not None else dt.datetime.now(dt.timezone.utc).timestamp()
        known = TrainingData(self.project).known()
        decided = DecisionRepository(self.session).decided_keys()
        messages = [
            m for m in self._messages(self._candidates(now, limit_conversations))
            if normalise(m.text) not in known and text_key(m.text) not in decided
        ]
        messages.sort(key=lambda m: m.timestamp)
        items = []
        for group in group_near_duplicates(messages, lambda m: m.text):
            reasons = [r for r in REASONS if any(r in m.reasons for m in group)]
            items.append(InboxItem(text_key(group[0].text)[:10], group, reasons))
        # Most frequent first, then the newest.
        items.sort(key=lambda i: (-len(i.messages), -max(m.timestamp for m in i.messages)))
        return items

    def find(self, item_id: str, now: Optional[float] = None) -> InboxItem:
        item_id = (item_id or "").strip().lower()
        matches = [i for i in self.items(now) if i.id.startswith(item_id)] if len(item_id) >= 4 else []
        if len(matches) != 1:
            raise KeyError(f"No inbox item {item_id!r}" if not matches else f"Ambiguous id {item_id!r}")
        return matches[0]

    # -- deciding

    def decide(self, item: InboxItem, action: str, username: str,
               intent: Optional[str] = None, language: Optional[str] = None) -> Optional[Added]:
        """accept (the predicted intent), relabel (to ``intent``) or dismiss a group.

        Accepting or relabelling writes the group's representative text to the training
        file of its language; the caller commits the session."""
        decisions = DecisionRepository(self.session)
        if action == "dismiss":
            decisions.record(item.texts, "dismissed", username, language=item.language)
            return None
        if action == "accept":
            intent = item.predicted
            if not intent:
                raise ExampleRefused("There is no predicted intent to accept; relabel it instead.")
        elif action != "relabel":
            raise ValueError("action is accept, relabel or dismiss")
        if not intent:
            raise ExampleRefused("Choose the intent to relabel it to.")
        language = language or item.language
        added = TrainingData(self.project).add(item.text, intent, language)
        decisions.record(item.texts, "accepted" if action == "accept" else "relabelled",
                         username, intent=intent, language=language)
        return added
