"""Per-conversation summaries, for a conversation list that filters quickly.

Rasa's tracker store keeps every event of every conversation (table ``events`` at
TRACKER_STORE_URL, one JSON document per row).  Filtering 10,000 conversations by
what happened in them cannot read all of that per request, so each conversation has
one row here (at DATABASE_URL): its times, language, detected errors, whether it was
escalated, resolved (the fix worked, or an agent resolved it) or fell back, its lowest
intent confidence (never of what the customer told a person), and its customer
messages (masked, lowercased) for free-text search.

``summarise(events)`` computes a row from a conversation's events (a pure function).
After each save the tracker store (bot/runtime/tracker_store.py) summarises only the events it
just wrote and folds them into the stored row with ``merge_summaries``, so a turn does
not read the whole conversation back; ``python -m bot.ops.manage rebuild-summaries``
recomputes every row from the events table.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, fields
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.annotations import ConversationReview, ConversationTag
from bot.storage.database import Base, like_escape
from bot.storage.to_a_person import said_to_a_person
from bot.catalogue.intents import FALLBACK_INTENT

# "Did that fix it?" answered yes: action_handle_feedback utters this.
RESOLVED_RESPONSE = "utter_fix_worked"
# An agent resolved the live chat: the handoff lifecycle utters this as the assistant
# takes over again.  (A follow-up resolved without a chat: ``mark_resolved_by_agents``.)
AGENT_RESOLVED_RESPONSE = "utter_handoff_closed"
RESOLVED_RESPONSES = frozenset({RESOLVED_RESPONSE, AGENT_RESOLVED_RESPONSE})
PREVIEW_CHARS = 300
# Enough for any real conversation; a pasted 100 KB log is searchable in its first part.
SEARCH_TEXT_CHARS = 20_000


class ConversationSummary(Base):
    __tablename__ = "conversation_summaries"

    conversation_id = Column(String(255), primary_key=True)
    first_ts = Column(Float, nullable=False)
    last_ts = Column(Float, nullable=False, index=True)
    language = Column(String(8), index=True)
    # Detected errors as ",account_not_active,period_closed," (a LIKE finds one).
    errors = Column(String(600), nullable=False, default="")
    last_error = Column(String(64))
    escalated = Column(Boolean, nullable=False, default=False)
    resolved = Column(Boolean, nullable=False, default=False)
    fell_back = Column(Boolean, nullable=False, default=False)
    min_confidence = Column(Float)
    user_messages = Column(Integer, nullable=False, default=0)
    bot_messages = Column(Integer, nullable=False, default=0)
    channel = Column(String(32))
    first_message = Column(Text, nullable=False, default="")
    search_text = Column(Text, nullable=False, default="")
    updated_ts = Column(Float, nullable=False)

    @property
    def error_list(self) -> List[str]:
        return [e for e in (self.errors or "").split(",") if e]


SUMMARY_COLUMNS = [c.name for c in ConversationSummary.__table__.columns]


@functools.lru_cache(maxsize=1)
def _error_intents() -> frozenset:
    from bot.catalogue import load_catalogue

    return frozenset(load_catalogue().intents)


def _intent_and_confidence(parse_data: Mapping[str, Any]) -> Tuple[Optional[str], Optional[float]]:
    """The intent the assistant acted on and how sure it was.

    For nlu_fallback the stored confidence is the fallback threshold; when the
    classifier's best guess was lower than that, the guess's confidence is the one
    reviewers want.  (When the fallback came from the unknown-words check, the
    classifier may have been confidently wrong: the threshold stands.)
    """
    intent = parse_data.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    if name == FALLBACK_INTENT:
        ranked = [
            r.get("confidence")
            for r in parse_data.get("intent_ranking") or []
            if r.get("name") != FALLBACK_INTENT and isinstance(r.get("confidence"), (int, float))
        ]
        if ranked and isinstance(confidence, (int, float)):
            confidence = min(confidence, max(ranked))
    return name, (float(confidence) if isinstance(confidence, (int, float)) else None)


def summarise(conversation_id: str, events: Iterable[Mapping[str, Any]],
              paused: bool = False) -> Optional[Dict[str, Any]]:
    """A summary row from a conversation's serialised events (oldest first); None if empty.

    The texts are as stored, i.e. already masked by the tracker store.  A message the
    customer wrote to a person (bot/storage/to_a_person.py; ``paused``: the assistant was
    paused before the first of ``events``) counts as a message and is searchable, but its
    NLU guess is not the assistant's: no fallback, confidence or detected error.
    """
    from bot.nlu.language import detect_language

    error_intents = _error_intents()
    first_ts = last_ts = None
    language = None
    errors: List[str] = []
    last_error = None
    escalated = resolved = fell_back = False
    min_confidence = None
    user_messages = bot_messages = 0
    channel = None
    texts: List[str] = []
    first_message = ""
    seen_any = False

    events = list(events)
    for event, to_a_person in zip(events, said_to_a_person(events, paused)):
        seen_any = True
        timestamp = event.get("timestamp")
        if isinstance(timestamp, (int, float)):
            first_ts = timestamp if first_ts is None else min(first_ts, timestamp)
            last_ts = timestamp if last_ts is None else max(last_ts, timestamp)
        kind = event.get("event")
        if kind == "user":
            user_messages += 1
            text = event.get("text") or ""
            channel = event.get("input_channel") or channel
            name, confidence = (None, None) if to_a_person else \
                _intent_and_confidence(event.get("parse_data") or {})
            if name == FALLBACK_INTENT:
                fell_back = True
            if name in error_intents:
                if name not in errors:
                    errors.append(name)
                last_error = name
            if confidence is not None:
                min_confidence = confidence if min_confidence is None else min(min_confidence, confidence)
            if text and not text.startswith("/"):
                texts.append(text)
                if not first_message:
                    first_message = text[:PREVIEW_CHARS]
        elif kind == "bot":
            bot_messages += 1
            if (event.get("metadata") or {}).get("utter_action") in RESOLVED_RESPONSES:
                resolved = True
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "language" and value in ("en", "sv"):
                language = value
            elif name == "escalated" and value is True:
                escalated = True
            elif name == "current_error" and value in error_intents:
                if value not in errors:
                    errors.append(value)
                last_error = value

    if not seen_any or first_ts is None:
        return None
    language_from_slot = language is not None
    if language is None and texts:
        language = detect_language(" ".join(texts[:3]))
    search_text = "\n".join(texts).lower()[:SEARCH_TEXT_CHARS]
    return {
        "conversation_id": conversation_id,
        "first_ts": first_ts,
        "last_ts": last_ts,
        "language": language,
        "errors": "," + ",".join(sorted(errors)) + "," if errors else "",
        "last_error": last_error,
        "escalated": escalated,
        "resolved": resolved,
        "fell_back": fell_back,
        "min_confidence": min_confidence,
        "user_messages": user_messages,
        "bot_messages": bot_messages,
        "channel": channel,
        "first_message": first_message,
        "search_text": search_text,
        "updated_ts": dt.datetime.now(dt.timezone.utc).timestamp(),
        # Not a column: lets merge_summaries prefer a language the customer chose.
        "language_from_slot": language_from_slot,
    }


def merge_summaries(old: Optional[Mapping[str, Any]], new: Optional[Dict[str, Any]]
                    ) -> Optional[Dict[str, Any]]:
    """The row for a conversation whose events so far gave ``old`` and whose next
    events give ``new`` (both from ``summarise``): what ``summarise`` of all the events
    gives.  One difference: a language guessed from the text (no language slot yet)
    stays the first guess."""
    if not old:
        return new
    if not new:
        return dict(old)
    errors = sorted(set(_error_names(old["errors"])) | set(_error_names(new["errors"])))
    confidences = [c for c in (old["min_confidence"], new["min_confidence"]) if c is not None]
    texts = [t for t in (old["search_text"], new["search_text"]) if t]
    return {
        **new,
        "first_ts": min(old["first_ts"], new["first_ts"]),
        "last_ts": max(old["last_ts"], new["last_ts"]),
        "language": new["language"] if new.get("language_from_slot") else
        (old["language"] or new["language"]),
        "errors": "," + ",".join(errors) + "," if errors else "",
        "last_error": new["last_error"] or old["last_error"],
        "escalated": bool(old["escalated"] or new["escalated"]),
        "resolved": bool(old["resolved"] or new["resolved"]),
        "fell_back": bool(old["fell_back"] or new["fell_back"]),
        "min_confidence": min(confidences) if confidences else None,
        "user_messages": old["user_messages"] + new["user_messages"],
        "bot_messages": old["bot_messages"] + new["bot_messages"],
        "channel": new["channel"] or old["channel"],
        "first_message": old["first_message"] or new["first_message"],
        "search_text": "\n".join(texts)[:SEARCH_TEXT_CHARS],
    }


def merge_into_summary(session: Session, conversation_id: str,
                       events: List[Mapping[str, Any]], paused: bool = False) -> None:
    """Folds a conversation's newest events (as stored) into its summary row; ``paused``:
    the assistant was paused before them (bot/storage/to_a_person.py)."""
    new = summarise(conversation_id, events, paused)
    if new is None:
        return
    old = session.execute(_SUMMARY_OF, {"conversation_id": conversation_id}).mappings().first()
    SummaryWriter(session).upsert(merge_summaries(old, new))


# The statements of every turn, built once (per set of columns for an update): see
# bot/storage/tracker_checkpoints.py for why.
_SUMMARY_OF = select(ConversationSummary.__table__).where(
    ConversationSummary.__table__.c.conversation_id == bindparam("conversation_id"))


@functools.lru_cache(maxsize=None)
def _update_summary(columns: Tuple[str, ...]):
    """UPDATE of ``columns`` of one summary; the values go in as ``new_<column>``."""
    table = ConversationSummary.__table__
    return (update(table).where(table.c.conversation_id == bindparam("key"))
            .values({name: bindparam(f"new_{name}") for name in columns}))


def mark_resolved_by_agents(session: Session, conversation_id: Optional[str] = None) -> None:
    """Counts a conversation with a ticket an agent resolved as resolved (one, or all).

    A live chat says so in its events too (``AGENT_RESOLVED_RESPONSE``); a follow-up
    answered by e-mail appends none: its ticket is what says it was resolved.  The handoff
    lifecycle calls this as it resolves a follow-up, a rebuild of the summaries after it
    has summarised the events, so both give the same answer."""
    from bot.storage.tickets import RESOLVED, HandoffTicket

    resolved = select(HandoffTicket.conversation_id).where(HandoffTicket.status == RESOLVED)
    if conversation_id is not None:
        resolved = resolved.where(HandoffTicket.conversation_id == conversation_id)
    table = ConversationSummary.__table__
    session.execute(
        update(table).where(table.c.conversation_id.in_(resolved), table.c.resolved.is_(False))
        .values(resolved=True)
    )


def columns_only(row: Mapping[str, Any]) -> Dict[str, Any]:
    """The row without summarise's helper keys, ready for the table."""
    return {k: v for k, v in row.items() if k in SUMMARY_COLUMNS}


def _error_names(errors: str) -> List[str]:
    return [e for e in (errors or "").split(",") if e]


class SummaryWriter:
    """Writes summary rows: one at a time (after a save) or in batches (a rebuild)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, row: Dict[str, Any]) -> None:
        table = ConversationSummary.__table__
        row = columns_only(row)
        values = {k: v for k, v in row.items() if k != "conversation_id"}
        statement = _update_summary(tuple(values))
        params = {"key": row["conversation_id"], **{f"new_{k}": v for k, v in values.items()}}
        if self.session.execute(statement, params).rowcount:
            return
        try:
            with self.session.begin_nested():
                self.session.execute(table.insert(), row)
        except IntegrityError:  # another process inserted it meanwhile
            self.session.execute(statement, params)

    def replace_all(self, rows: Iterable[Dict[str, Any]], batch: int = 1000) -> int:
        """Deletes every summary and inserts ``rows``; returns how many."""
        self.session.execute(delete(ConversationSummary.__table__))
        return self.insert_all(rows, batch)

    def insert_all(self, rows: Iterable[Dict[str, Any]], batch: int = 1000) -> int:
        """Inserts the rows of conversations that have none yet, ``batch`` per INSERT;
        returns how many."""
        table = ConversationSummary.__table__
        count = 0
        pending: List[Dict[str, Any]] = []
        for row in rows:
            pending.append(columns_only(row))
            if len(pending) >= batch:
                self.session.execute(table.insert(), pending)
                count += len(pending)
                pending = []
        if pending:
            self.session.execute(table.insert(), pending)
            count += len(pending)
        return count


# -- reading: the console's conversation list

TRI_STATE = {"yes": True, "no": False}
# Dates the filters accept: a day and the next one must be times a timestamp can hold
# (9999-12-31 + 1 day overflowed into a 500, issue 14 item 9).
FIRST_DAY = dt.date(1970, 1, 2)
LAST_DAY = dt.date(9998, 12, 31)


@dataclass
class ConversationFilter:
    """What the staff asked for in the list's filter form; every field optional."""

    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    error: Optional[str] = None
    language: Optional[str] = None
    escalated: Optional[bool] = None
    resolved: Optional[bool] = None
    fell_back: Optional[bool] = None
    confidence_below: Optional[float] = None
    tag: Optional[str] = None
    reviewed: Optional[bool] = None
    text: Optional[str] = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Tuple["ConversationFilter", List[str]]:
        """A filter from query-string arguments, and what could not be understood."""
        problems: List[str] = []
        values: Dict[str, Any] = {}

        def get(name: str) -> str:
            return (args.get(name) or "").strip()

        for name in ("date_from", "date_to"):
            if get(name):
                try:
                    day = dt.date.fromisoformat(get(name))
                except ValueError:
                    problems.append(f"{name.replace('_', ' ')}: not a date (YYYY-MM-DD)")
                    continue
                if FIRST_DAY <= day <= LAST_DAY:
                    values[name] = day
                else:
                    problems.append(f"{name.replace('_', ' ')}: a date from {FIRST_DAY} to {LAST_DAY}")
        if get("error"):
            if get("error") in _error_intents():
                values["error"] = get("error")
            else:
                problems.append("error: not one of the eight errors")
        if get("language"):
            if get("language") in ("en", "sv"):
                values["language"] = get("language")
            else:
                problems.append("language: en or sv")
        for name in ("escalated", "resolved", "fell_back", "reviewed"):
            if get(name):
                if get(name) in TRI_STATE:
                    values[name] = TRI_STATE[get(name)]
                else:
                    problems.append(f"{name.replace('_', ' ')}: yes or no")
        if get("confidence_below"):
            try:
                value = float(get("confidence_below"))
                if not 0 <= value <= 1:
                    raise ValueError
                values["confidence_below"] = value
            except ValueError:
                problems.append("confidence below: a number from 0 to 1")
        if get("tag"):
            values["tag"] = " ".join(get("tag").lower().split())[:40]
        if get("q"):
            values["text"] = get("q")[:200]
        return cls(**values), problems

    def to_args(self) -> Dict[str, str]:
        """The query-string arguments that give this filter (for links)."""
        args: Dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            name = "q" if f.name == "text" else f.name
            if isinstance(value, bool):
                args[name] = "yes" if value else "no"
            elif isinstance(value, dt.date):
                args[name] = value.isoformat()
            else:
                args[name] = str(value)
        return args

    @property
    def active(self) -> bool:
        return bool(self.to_args())


def _day_start(day: dt.date, tz: dt.tzinfo) -> float:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz).timestamp()


class ConversationRepository:
    """The conversation list: filtered, newest first, paginated; and one conversation."""

    def __init__(self, session: Session, timezone: dt.tzinfo = dt.timezone.utc) -> None:
        self.session = session
        self.timezone = timezone

    def _conditions(self, f: ConversationFilter) -> list:
        s = ConversationSummary
        conditions = []
        if f.date_from:
            conditions.append(s.last_ts >= _day_start(f.date_from, self.timezone))
        if f.date_to:
            conditions.append(
                s.first_ts < _day_start(f.date_to + dt.timedelta(days=1), self.timezone)
            )
        if f.error:
            conditions.append(s.errors.like(f"%,{like_escape(f.error)},%", escape="\\"))
        if f.language:
            conditions.append(s.language == f.language)
        for name in ("escalated", "resolved", "fell_back"):
            value = getattr(f, name)
            if value is not None:
                conditions.append(getattr(s, name).is_(value))
        if f.confidence_below is not None:
            conditions.append(s.min_confidence < f.confidence_below)
        if f.tag:
            conditions.append(
                exists().where(
                    and_(
                        ConversationTag.conversation_id == s.conversation_id,
                        ConversationTag.tag == f.tag,
                    )
                )
            )
        if f.reviewed is not None:
            reviewed = exists().where(ConversationReview.conversation_id == s.conversation_id)
            conditions.append(reviewed if f.reviewed else not_(reviewed))
        if f.text:
            words = [w for w in f.text.lower().split() if w][:8]
            conditions.extend(
                s.search_text.like(f"%{like_escape(w)}%", escape="\\") for w in words
            )
        return conditions

    def _filtered(self, f: ConversationFilter):
        return select(ConversationSummary).where(*self._conditions(f))

    def page(
        self, f: ConversationFilter, page: int = 1, per_page: int = 50
    ) -> Tuple[List[ConversationSummary], int]:
        page = max(1, page)
        total = self.session.execute(
            select(func.count()).select_from(ConversationSummary).where(*self._conditions(f))
        ).scalar_one()
        rows = self.session.execute(
            self._filtered(f)
            .order_by(ConversationSummary.last_ts.desc(), ConversationSummary.conversation_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).scalars().all()
        return list(rows), total

    def iterate(self, f: ConversationFilter, batch: int = 500) -> Iterator[ConversationSummary]:
        """Every matching conversation, newest first, fetched in batches (for exports)."""
        last: Optional[Tuple[float, str]] = None
        s = ConversationSummary
        while True:
            query = self._filtered(f).order_by(s.last_ts.desc(), s.conversation_id)
            if last is not None:
                query = query.where(
                    or_(s.last_ts < last[0], and_(s.last_ts == last[0], s.conversation_id > last[1]))
                )
            rows = self.session.execute(query.limit(batch)).scalars().all()
            if not rows:
                return
            yield from rows
            last = (rows[-1].last_ts, rows[-1].conversation_id)

    def get(self, conversation_id: str) -> Optional[ConversationSummary]:
        return self.session.get(ConversationSummary, conversation_id)

    def count(self) -> int:
        return self.session.execute(
            select(func.count()).select_from(ConversationSummary)
        ).scalar_one()

    def tags_for(self, conversation_ids: Sequence[str]) -> Dict[str, List[str]]:
        tags: Dict[str, List[str]] = {cid: [] for cid in conversation_ids}
        if not conversation_ids:
            return tags
        for cid, tag in self.session.execute(
            select(ConversationTag.conversation_id, ConversationTag.tag)
            .where(ConversationTag.conversation_id.in_(list(conversation_ids)))
            .order_by(ConversationTag.tag)
        ):
            tags[cid].append(tag)
        return tags

    def reviewed_among(self, conversation_ids: Sequence[str]) -> Dict[str, ConversationReview]:
        if not conversation_ids:
            return {}
        return {
            review.conversation_id: review
            for review in self.session.execute(
                select(ConversationReview).where(
                    ConversationReview.conversation_id.in_(list(conversation_ids))
                )
            ).scalars()
        }

    def all_tags(self) -> List[Tuple[str, int]]:
        return [
            (tag, count)
            for tag, count in self.session.execute(
                select(ConversationTag.tag, func.count())
                .group_by(ConversationTag.tag)
                .order_by(ConversationTag.tag)
            )
        ]
