"""The NLU inbox: what customers wrote that the training data should perhaps learn.

Sources (recent conversations, from the summary rows and Rasa's events table):
the assistant fell back or was unsure (confidence below a threshold), the conversation
was escalated to a person, or staff tagged it for training in review.  Left out: button
payloads, long pastes, texts already in the training data or the held-out test set, and
texts already decided (accepted, relabelled or dismissed; decisions are kept by the
normalised text, so the same words from another customer stay decided).  Near-duplicates
are grouped; a decision applies to the whole group.  Messages with masked personal data
("[e-mail]") are shown but can only be dismissed.  Messages with no word known from the
training data (keyboard mash, bot/nlu/vocabulary.py) cannot be accepted as the
classifier's guess: a trainer must choose the intent, or dismiss them.

Filters (InboxFilter: reason, language, predicted intent, dates, words) apply to each
message before grouping, so a group shows the messages that match and a decision taken
on a filtered page applies to what was shown.  Those the summary rows can answer (reason,
dates, words) also narrow the conversations whose events are read: on an aged database
reading events is the cost.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from dataclasses import dataclass, field, fields
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.storage.annotations import ConversationTag
from bot.storage.conversations import ConversationFilter, ConversationSummary
from bot.storage.events import EventRepository
from bot.trainer.datafile import Added, ExampleRefused, TrainingData, language_of
from bot.catalogue.intents import FALLBACK_INTENT
from bot.nlu.vocabulary import build_vocabulary, has_no_known_word
from bot.storage.database import like_escape
from bot.trainer.project import Project
from bot.trainer.store import DecisionRepository
from bot.trainer.text import contains_mask, group_near_duplicates, normalise, one_line, text_key

MAX_TEXT_CHARS = 300
REASONS = ("fell back", "low confidence", "escalated", "flagged")
SORTS = ("count", "newest")
_SEARCH_WORD = re.compile(r"\w+", re.UNICODE)
_INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def search_words(text: Optional[str]) -> List[str]:
    """The words of a search, lower case, without punctuation ("purchases!!" finds "purchases")."""
    return _SEARCH_WORD.findall((text or "").lower())[:8]


def _day_start(day: dt.date, tz: dt.tzinfo) -> float:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz).timestamp()


@dataclass
class InboxFilter:
    """What the trainer asked for (the page's GET arguments, the CLI's options); all optional."""

    reason: Optional[str] = None
    language: Optional[str] = None
    predicted: Optional[str] = None
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    text: Optional[str] = None
    sort: str = "count"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Tuple["InboxFilter", List[str]]:
        """A filter from query-string arguments, and what could not be understood (ignored)."""
        problems: List[str] = []
        values: Dict[str, object] = {}

        def get(name: str) -> str:
            return (args.get(name) or "").strip()

        checks = (("reason", REASONS, f"one of {', '.join(REASONS)}"), ("language", ("en", "sv"), "en or sv"),
                  ("sort", SORTS, "count or newest"))
        for name, allowed, expected in checks:
            if get(name):
                if get(name) in allowed:
                    values[name] = get(name)
                else:
                    problems.append(f"{name}: {expected}")
        if get("predicted"):
            if _INTENT_NAME.match(get("predicted")):
                values["predicted"] = get("predicted")
            else:
                problems.append("predicted: an intent name")
        # Dates and words as the conversation list reads them (one parser, one message).
        same, not_understood = ConversationFilter.from_args({k: get(k) for k in ("date_from", "date_to", "q")})
        values.update(date_from=same.date_from, date_to=same.date_to, text=same.text)
        return cls(**values), problems + not_understood

    def to_args(self) -> Dict[str, str]:
        """The query-string arguments that give this filter (for links and redirects)."""
        args: Dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == f.default:
                continue
            args["q" if f.name == "text" else f.name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return args

    @property
    def active(self) -> bool:
        return bool(self.to_args())

    def summary_conditions(self, s, flagged, threshold: float, tz: dt.tzinfo) -> list:
        """Conditions on the conversation summary rows that a matching message's
        conversation meets (a necessary condition, never a sufficient one)."""
        conditions = {
            "fell back": [s.fell_back.is_(True)], "low confidence": [s.min_confidence < threshold],
            "escalated": [s.escalated.is_(True)], "flagged": [flagged],
        }.get(self.reason or "", [])
        if self.date_from:
            conditions.append(s.last_ts >= _day_start(self.date_from, tz))
        if self.date_to:
            conditions.append(s.first_ts < _day_start(self.date_to + dt.timedelta(days=1), tz))
        conditions.extend(s.search_text.like(f"%{like_escape(w)}%", escape="\\")
                          for w in search_words(self.text))
        return conditions

    def matches(self, message: "InboxMessage", tz: dt.tzinfo) -> bool:
        if self.reason and self.reason not in message.reasons:
            return False
        if self.language and message.language != self.language:
            return False
        if self.predicted and message.predicted != self.predicted:
            return False
        if self.date_from and message.timestamp < _day_start(self.date_from, tz):
            return False
        if self.date_to and message.timestamp >= _day_start(self.date_to + dt.timedelta(days=1), tz):
            return False
        if not self.text:
            return True
        lowered = message.text.lower()
        return all(w in lowered for w in search_words(self.text))


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
    # No word of it is known from the training data (keyboard mash): never accepted as the guess.
    no_known_word: bool = False

    @functools.cached_property
    def latest(self) -> float:
        return max(m.timestamp for m in self.messages)

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
            "masked": self.masked, "no_known_word": self.no_known_word, "count": len(self.messages),
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


@dataclass(frozen=True)
class _Read:
    """A customer message as read from the events, before this request's reasons."""

    timestamp: float
    text: str
    language: str
    predicted: Optional[str]
    confidence: Optional[float]
    fell_back: bool
    normalised: str
    key: str


class InboxMemory:
    """What the inbox worked out before and may use again, one per console process,
    shared by its threads: on an aged database (thousands of conversations of interest in
    the window) working it out on every request is most of the request.

    - the customer messages of each conversation, kept while its summary row is
      unchanged: the tracker store rewrites that row, with a new ``updated_ts``, whenever
      it stores the conversation's events (bot/storage/conversations.py), so only new and
      changed conversations are read from the events again;
    - the near-duplicate grouping of a sequence of distinct texts (a pure function of it);
    - which texts have no known word, until the training data's vocabulary changes.
    """

    MAX_CONVERSATIONS = 200_000
    MAX_GROUPINGS = 16

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read: Dict[str, Tuple[float, List[_Read]]] = {}
        self._groupings: Dict[Tuple[str, ...], Dict[str, int]] = {}
        self._vocabulary: Optional[Set[str]] = None
        self._mash: Dict[str, bool] = {}

    def fresh(self, versions: Mapping[str, float]) -> Dict[str, List[_Read]]:
        with self._lock:
            return {cid: kept[1] for cid, version in versions.items()
                    if (kept := self._read.get(cid)) is not None and kept[0] == version}

    def keep(self, read: Mapping[str, Tuple[float, List[_Read]]]) -> None:
        with self._lock:
            if len(self._read) + len(read) > self.MAX_CONVERSATIONS:
                self._read.clear()
            self._read.update(read)

    def grouping(self, texts: Tuple[str, ...], compute: Callable[[], Dict[str, int]]) -> Dict[str, int]:
        """normalised text -> group, for these distinct texts in this order (a pure
        function of them: kept for the last few orders asked, one per filter in use)."""
        with self._lock:
            found = self._groupings.get(texts)
        if found is None:
            found = compute()
            with self._lock:
                while len(self._groupings) >= self.MAX_GROUPINGS:
                    self._groupings.pop(next(iter(self._groupings)))
                self._groupings[texts] = found
        return found

    def mash_verdicts(self, vocabulary: Set[str]) -> Callable[[str], bool]:
        """has_no_known_word against ``vocabulary``, remembered per text until the
        vocabulary (the training data) changes."""
        with self._lock:
            if vocabulary != self._vocabulary:
                self._vocabulary, self._mash = vocabulary, {}
            verdicts = self._mash
        alphabet = set("".join(vocabulary))

        def verdict(text: str) -> bool:
            if text not in verdicts:
                verdicts[text] = has_no_known_word(text, vocabulary, alphabet)
            return verdicts[text]

        return verdict


class Inbox:
    def __init__(self, session: Session, tracker: Engine, project: Optional[Project] = None,
                 threshold: float = 0.7, tags: Sequence[str] = ("training",), days: int = 30,
                 timezone: dt.tzinfo = dt.timezone.utc, read: Optional[InboxMemory] = None) -> None:
        self.session = session
        self.tracker = tracker
        self.project = project or Project()
        self.threshold = threshold
        self.tags = [t for t in tags if t]
        self.days = days
        self.timezone = timezone
        self.read = read or InboxMemory()  # a fresh one: nothing remembered (the CLI)

    # -- reading

    def _candidates(self, now: float,
                    wanted: Optional[InboxFilter] = None) -> Dict[str, Tuple[bool, bool, Optional[str], float]]:
        """conversation id -> (escalated, flagged, language, updated_ts) for every
        conversation of interest of the last ``days`` days: all of them, however many
        (reading only the newest N hid the rest from trainers on an aged database)."""
        s = ConversationSummary.__table__.c  # plain rows: thousands of them, no ORM loading
        flagged = exists().where(and_(ConversationTag.conversation_id == s.conversation_id,
                                      ConversationTag.tag.in_(self.tags or ["-"])))
        conditions = [s.last_ts >= now - self.days * 86400,
                      or_(s.fell_back.is_(True), s.min_confidence < self.threshold, s.escalated.is_(True), flagged),
                      *(wanted or InboxFilter()).summary_conditions(s, flagged, self.threshold, self.timezone)]
        rows = self.session.execute(
            select(s.conversation_id, s.escalated, flagged.label("flagged"), s.language, s.updated_ts)
            .where(*conditions)
        ).all()
        return {r.conversation_id: (bool(r.escalated), bool(r.flagged), r.language, r.updated_ts)
                for r in rows}

    def _read_events(self, candidates, conversation_ids: Sequence[str]) -> Dict[str, Tuple[float, List[_Read]]]:
        read: Dict[str, Tuple[float, List[_Read]]] = {cid: (candidates[cid][3], []) for cid in conversation_ids}
        for sender_id, timestamp, event in EventRepository(self.tracker).user_events_of(conversation_ids):
            text = one_line(event.get("text") or "")
            if not text or text.startswith("/") or len(text) > MAX_TEXT_CHARS:
                continue
            parse_data = event.get("parse_data") or {}
            predicted, confidence = _guess(parse_data)
            read[sender_id][1].append(_Read(
                timestamp or event.get("timestamp") or 0.0, text, language_of(text, candidates[sender_id][2]),
                predicted, confidence, (parse_data.get("intent") or {}).get("name") == FALLBACK_INTENT,
                normalise(text), text_key(text)))
        return read

    def _messages(self, candidates, skip: Callable[[_Read], bool]) -> Iterable[Tuple[_Read, InboxMessage]]:
        """The messages of the candidate conversations, with their reasons, but those to ``skip``."""
        kept = self.read.fresh({cid: c[3] for cid, c in candidates.items()})
        fresh = self._read_events(candidates, [cid for cid in candidates if cid not in kept])
        self.read.keep(fresh)
        for sender_id in sorted(candidates):
            escalated, flagged, _, _ = candidates[sender_id]
            messages = kept[sender_id] if sender_id in kept else fresh[sender_id][1]
            for said in messages:
                if skip(said):
                    continue
                reasons = []
                if said.fell_back:
                    reasons.append("fell back")
                elif said.confidence is not None and said.confidence < self.threshold:
                    reasons.append("low confidence")
                if escalated:
                    reasons.append("escalated")
                if flagged:
                    reasons.append("flagged")
                yield said, InboxMessage(sender_id, said.timestamp, said.text, said.language,
                                         said.predicted, said.confidence, reasons)

    def _groups(self, said_and_shown: List[Tuple[_Read, InboxMessage]]) -> List[List[InboxMessage]]:
        """group_near_duplicates of the messages, in order.  Exact duplicates join the
        group of their first occurrence, so the grouping of the distinct texts (in order of
        first occurrence) decides it; that grouping is kept while the texts stay the same."""
        firsts: Dict[str, InboxMessage] = {}
        for said, shown in said_and_shown:
            firsts.setdefault(said.normalised, shown)

        def group_of_each() -> Dict[str, int]:
            groups = group_near_duplicates(list(firsts.values()), lambda m: m.text)
            return {normalise(m.text): n for n, group in enumerate(groups) for m in group}

        group_of = self.read.grouping(tuple(firsts), group_of_each)
        groups: List[List[InboxMessage]] = [[] for _ in set(group_of.values())]
        for said, shown in said_and_shown:
            groups[group_of[said.normalised]].append(shown)
        return groups

    def items(self, now: Optional[float] = None,
              filter: Optional[InboxFilter] = None) -> List[InboxItem]:
        now = now if now is not None else dt.datetime.now(dt.timezone.utc).timestamp()
        wanted = filter or InboxFilter()
        known = TrainingData(self.project).known()
        decided = DecisionRepository(self.session).decided_keys()
        said_and_shown = [
            (said, m) for said, m in self._messages(
                self._candidates(now, wanted), lambda said: said.normalised in known or said.key in decided)
            if wanted.matches(m, self.timezone)
        ]
        said_and_shown.sort(key=lambda pair: pair[1].timestamp)  # stable: conversations in id order
        items = []
        for group in self._groups(said_and_shown):
            reasons = [r for r in REASONS if any(r in m.reasons for m in group)]
            items.append(InboxItem(text_key(group[0].text)[:10], group, reasons))
        mash = self.read.mash_verdicts(build_vocabulary(known))
        for item in items:
            item.no_known_word = mash(item.text)
        if wanted.sort == "newest":
            items.sort(key=lambda i: (-i.latest, -len(i.messages)))
        else:  # Most frequent first, then the newest.
            items.sort(key=lambda i: (-len(i.messages), -i.latest))
        return items

    def find(self, item_id: str, now: Optional[float] = None,
             filter: Optional[InboxFilter] = None) -> InboxItem:
        """The item with this id (or a prefix of it) in the inbox as filtered when it was shown."""
        item_id = (item_id or "").strip().lower()
        items = self.items(now, filter=filter) if len(item_id) >= 4 else []
        matches = [i for i in items if i.id.startswith(item_id)]
        if not matches:  # an id from a differently filtered listing: the group holding that text
            matches = [i for i in items if any(text_key(t).startswith(item_id) for t in i.texts)]
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
            if item.no_known_word:
                raise ExampleRefused("It has no word the assistant knows (keyboard mash?): dismiss it, "
                                     "or relabel it to an intent you choose.")
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
