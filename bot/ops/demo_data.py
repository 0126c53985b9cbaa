"""Three months of a running assistant: the aged data of demos, tests and the console benchmark.

    python -m bot.ops.demo_data [--conversations 20000] [--tickets 2000] [--follow-ups 1200]
                                [--days 90] [--seed 42] [--force]
    make demo-data ARGS="..."

Fresh databases hide what months of use show (issue 12: an inbox that loaded the 200
oldest tickets looked fine with ten).  This seeds the configured databases
(DATABASE_URL and TRACKER_STORE_URL, so ``ASSISTANT_PROFILE=production`` seeds its
PostgreSQL; or ``--database-url`` / ``--tracker-url``) with what the assistant, the
agents and the trainers would have left behind:

- conversations in English and Swedish (about 45 % Swedish) as Rasa's SQL tracker store
  writes them, masked as the tracker store masks them (bot/ops/sample_data.py builds the
  events), and the console's summary row of each (bot/storage/conversations.py);
- handoff tickets in every state of the lifecycle (bot/handoff/lifecycle.py): a few chats
  waiting for a person and a few claimed right now, many open follow-ups (most with the
  contact e-mail the customer gave), resolved ones with a note and the error it really
  was, handed back, and closed as spam with the reason; their conversations carry the
  events the handoff writes (pause, the agent joining, messages both ways, resume);
- agents with confirmed first names, two on duty; tags, notes, reviews and the audit log;
- trainers' decisions on NLU inbox messages, and fallbacks worded in many ways (and
  keyboard mash), so the NLU inbox is as full as a real one.

Deterministic: the same seed and the same end (``--now``, default the moment of seeding:
today's waiting chats are minutes old) give the same conversations, texts, ids, states
and times; busier hours are weighted by the local clock, so another end gives other data.  A database that already has conversations or tickets is refused unless
``--force`` (then added to, with a seed not used there before).  Bulk inserts: 20,000
conversations take well under 2 minutes on SQLite.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import string
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import func, select, text

from bot.catalogue import load_catalogue
from bot.console.databases import Databases
from bot.handoff.rasa_api import action_event, bot_event
from bot.handoff.responses import render
from bot.ops.sample_data import PERSONAL_ADDITIONS, TEXTS, Conversation
from bot.privacy import mask_event, mask_text
from bot.storage.annotations import AuditEvent, ConversationNote, ConversationReview, ConversationTag
from bot.storage.conversations import ConversationSummary, SummaryWriter, mark_resolved_by_agents, summarise
from bot.storage.events import create_events_table
from bot.storage.staff import StaffRepository
from bot.storage.tickets import (
    CLAIMED,
    CLOSED,
    HANDED_BACK,
    OPEN,
    RESOLVED,
    WAITING,
    HandoffAgent,
    HandoffTicket,
    TicketDetails,
)
from bot.trainer.store import InboxDecision
from bot.trainer.text import text_key

DAY = 86_400.0
HOUR = 3_600.0
# username, first name customers see, role
STAFF = [("anna", "Anna", "agent"), ("bo", "Bo", "agent"), ("carin", "Carin", "agent"),
         ("david", "David", "agent"), ("tove", "Tove", "trainer"), ("admin", "Admin", "admin")]
AGENTS = [s for s in STAFF if s[2] == "agent"]
ON_DUTY = ("anna", "bo")
TRAINER = "tove"
TAGS = ["training", "wrong fix", "good answer", "follow up", "spam"]

# What customers write that the assistant does not understand, in many wordings.
FALLBACK_TEMPLATES = {
    "en": ["it does the thing again", "export stuck since {day}", "why is voucher {n} red",
           "fortnox says something about {word}", "nothing happens when I press export",
           "the transactions from {day} are missing", "is the integration down?",
           "I already tried that", "how do I change the {word}", "what does status {n} mean",
           "it worked yesterday", "the sync with {system} is broken", "hmm??",
           "can you check my account {n}", "where do I find the {word}", "still the same",
           "my accountant says {word} is wrong", "export button greyed out"],
    "sv": ["det blir så där igen", "exporten har hängt sig sedan {day}", "varför är verifikat {n} rött",
           "fortnox säger något om {word}", "inget händer när jag trycker på exportera",
           "transaktionerna från {day} saknas", "är integrationen nere?", "det har jag redan provat",
           "hur ändrar jag {word}", "vad betyder status {n}", "det fungerade igår",
           "synken med {system} är trasig", "va?", "kan ni kolla mitt konto {n}",
           "var hittar jag {word}", "fortfarande samma sak", "min redovisningskonsult säger att {word} är fel",
           "exportknappen är grå"],
}
WORDS = {"en": ["the series", "the period", "the license", "the token", "the receipt", "VAT"],
         "sv": ["serien", "perioden", "licensen", "token", "kvittot", "momsen"]}
DAYS = {"en": ["monday", "yesterday", "last week", "the 3rd", "friday"],
        "sv": ["måndags", "igår", "förra veckan", "den 3:e", "fredags"]}
SYSTEMS = ["Fortnox", "Visma", "Bokio", "Björn Lundén"]
# Said after a fix, in words the classifier is not sure about (low confidence).
SUFFIXES = {"en": [" again", " since yesterday", " on all vouchers", " for voucher {n}", "??"],
            "sv": [" igen", " sedan igår", " på alla verifikat", " för verifikat {n}", "??"]}
AGENT_REPLIES = {
    "en": ["Hi, I'm looking at it now. Which year is the voucher in?",
           "Thanks for waiting. Can you open the voucher series settings and check 'manual'?",
           "I've checked your integration: the token had expired. Please reconnect and try again.",
           "Could you send me the error text exactly as it appears?"],
    "sv": ["Hej, jag tittar på det nu. Vilket år ligger verifikatet i?",
           "Tack för att du väntade. Kan du öppna inställningarna för verifikationsserien och kolla 'manuell'?",
           "Jag har kollat er integration: token hade gått ut. Anslut igen och prova en gång till.",
           "Kan du skicka felmeddelandet precis som det står?"],
}
CUSTOMER_TO_AGENT = {
    "en": ["It's in 2024", "ok, trying now", "that worked, thanks!", "still failing I'm afraid", "hello?"],
    "sv": ["Det ligger i 2024", "ok, provar nu", "det fungerade, tack!", "misslyckas fortfarande tyvärr", "hallå?"],
}
NOTES = [
    "Token expired; customer reconnected Fortnox and re-exported.",
    "Series B was automatic; switched to manual, export OK.",
    "Period 2024-12 locked in Fortnox; customer's accountant opened it.",
    "Account 1930 inactive for the new year; activated.",
    "Receipt not linked; customer attached it and exported again.",
    "Customer had no active license; sales contacted.",
]
CLOSE_REASONS = ["spam", "test messages from the customer's IT department", "duplicate of another case",
                 "a flood of escalations during the Fortnox outage"]
FIRST_NAMES = ["anna", "erik", "maria", "johan", "sara", "lars", "emma", "karl", "lina", "olof"]
COMPANIES = ["byggab", "ekonomi-hjalpen", "cafe-sol", "norrtrans", "svenssons", "lundqvist-redovisning"]


@dataclass(frozen=True)
class DemoPlan:
    """How much to seed.  The tickets' states: ``waiting`` and ``claimed`` today,
    ``follow_ups`` open, and the rest closed (resolved 55 %, handed back 25 %, closed 20 %)."""

    conversations: int = 20_000
    tickets: int = 2_000
    follow_ups: int = 1_200
    waiting: int = 5
    claimed: int = 4
    days: int = 90
    seed: int = 42

    def ticket_states(self, rng: random.Random) -> List[str]:
        """The states of the tickets that are not live now, shuffled."""
        rest = self.tickets - self.follow_ups - self.waiting - self.claimed
        resolved, handed_back = round(rest * 0.55), round(rest * 0.25)
        closed = rest - resolved - handed_back
        if min(resolved, handed_back, closed) < 1 or self.tickets > self.conversations:
            raise ValueError("Too few tickets for every state (or more tickets than conversations).")
        states = [OPEN] * self.follow_ups + [RESOLVED] * resolved + [HANDED_BACK] * handed_back + [CLOSED] * closed
        rng.shuffle(states)
        return states


@dataclass
class Seeded:
    """What was written, for the report (and the tests)."""

    conversations: int = 0
    events: int = 0
    tickets: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    ids: List[str] = field(default_factory=list)  # conversation ids, oldest first


def _fill(template: str, language: str, rng: random.Random) -> str:
    return template.format(n=rng.randint(2, 9999), word=rng.choice(WORDS[language]),
                           day=rng.choice(DAYS[language]), system=rng.choice(SYSTEMS))


def _mash(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 6)))
                    for _ in range(rng.randint(1, 3)))


def not_understood_text(language: str, rng: random.Random) -> str:
    if rng.random() < 0.2:
        return _mash(rng)
    return _fill(rng.choice(FALLBACK_TEMPLATES[language]), language, rng)


def _email(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)}.{rng.choice(FIRST_NAMES)}{rng.randint(1, 99)}@{rng.choice(COMPANIES)}.se"


class _Builder:
    """One conversation of the demo: what the customer did, and what the handoff added."""

    def __init__(self, rng: random.Random, sender_id: str, start: float) -> None:
        language = "sv" if rng.random() < 0.45 else "en"
        self.rng = rng
        self.c = Conversation(sender_id, start, language, rng)
        self.language = language
        self.detected: Optional[str] = None
        self.values: Dict[str, str] = {}

    def error_turn(self) -> None:
        rng, c = self.rng, self.c
        intent = rng.choice(load_catalogue().intents)
        wording = rng.choice(load_catalogue().get(intent).wordings[self.language])
        confidence = 1.0 if rng.random() < 0.6 else rng.uniform(0.5, 0.99)
        if rng.random() < 0.15:  # unusual wording: the classifier is less sure
            wording += _fill(rng.choice(SUFFIXES[self.language]), self.language, rng)
            confidence = rng.uniform(0.4, 0.69)
        elif rng.random() < 0.08:
            wording += rng.choice(PERSONAL_ADDITIONS)
        c.error_turn(intent, wording, confidence)
        self.detected = intent
        user = [e for e in c.events if e["event"] == "user"][-1]
        self.values = {e["entity"]: e["value"] for e in user["parse_data"]["entities"]
                       if e["entity"] != "language"}

    def without_ticket(self) -> None:
        rng, c = self.rng, self.c
        if rng.random() < 0.3:
            c.greet()
        kind = rng.random()
        if kind < 0.12:
            c.out_of_scope()
            return
        if kind < 0.25:
            c.not_understood(0, times=1, texts=[not_understood_text(self.language, rng)])
        self.error_turn()
        if rng.random() < 0.7:
            c.affirm()
            if rng.random() < 0.3:
                c.user(rng.choice(TEXTS["thank"][self.language]), "thank", rng.uniform(0.8, 1.0))
                c.listen()

    def escalate(self, ticket_id: int) -> str:
        """Escalates one of three ways; returns the ticket's reason."""
        rng, c = self.rng, self.c
        kind = rng.random()
        if kind < 0.5:
            self.error_turn()
            c.deny(ticket_id)
            return "fix_did_not_work"
        if kind < 0.8:
            if rng.random() < 0.5:
                self.error_turn()
            c.ask_for_human(ticket_id)
            return "customer_asked"
        c.not_understood(ticket_id, times=2, texts=[not_understood_text(self.language, rng) for _ in range(2)])
        return "not_understood"

    # -- what the handoff writes into the conversation afterwards

    def _say(self, response: str, after: float = 1.0, **values: Any) -> None:
        self.c.append(action_event(response), after)
        self.c.append(bot_event(render(response, self.language, **values), {"utter_action": response}))

    def _agent_says(self, text: str, username: str, first_name: str, ticket_id: int,
                    after: float, **extra: Any) -> None:
        self.c.append(bot_event(text, {"agent": first_name, "agent_user": username,
                                       "ticket_id": ticket_id, **extra}), after)

    def to_the_agent(self) -> None:
        self.c.user(self.rng.choice(CUSTOMER_TO_AGENT[self.language]), "affirm", self.rng.uniform(0.3, 0.9))

    def live_chat(self, ticket_id: int, agent: Tuple[str, str, str], wait: float) -> Tuple[float, float]:
        """Paused, an agent joins after ``wait`` s, they talk; returns (created, claimed) times."""
        c, language = self.c, self.language
        created = c.time
        c.append({"event": "pause"})
        username, first_name, _ = agent
        self._agent_says(render("utter_agent_joined", language, agent_name=first_name), username,
                         first_name, ticket_id, wait, handoff="joined")
        claimed = c.time
        self._agent_says(self.rng.choice(AGENT_REPLIES[language]), username, first_name, ticket_id, 40)
        self.to_the_agent()
        self._agent_says(self.rng.choice(AGENT_REPLIES[language]), username, first_name, ticket_id, 60)
        return created, claimed

    def back_to_the_assistant(self, response: str) -> None:
        c = self.c
        c.append({"event": "resume"}, 30)
        c.append({"event": "active_loop", "name": None})
        c.append({"event": "slot", "name": "requested_slot", "value": None})
        self._say(response, 0.01)
        c.append(action_event("action_listen"))

    def follow_up(self, email: Optional[str]) -> None:
        """Nobody could answer live: the e-mail question, and the address if one was given."""
        c = self.c
        expected = "tomorrow morning" if self.language == "en" else "i morgon förmiddag"
        c.append({"event": "slot", "name": "handoff_expected", "value": expected})
        self._say("utter_ask_contact_email", 0.5, handoff_expected=expected)
        c.append(action_event("action_listen"))
        if email:
            said = {"en": "my email is", "sv": "min mejl är"}[self.language]
            c.user(email if self.rng.random() < 0.5 else f"{said} {email}", "out_of_scope",
                   self.rng.uniform(0.2, 0.6))
            c.slot("contact_email", email)
            self._say("utter_contact_email_saved", 0.5)
            c.listen()

    def shift_to_end_at(self, end: float) -> None:
        """Moves the whole conversation so its last event is at ``end``."""
        offset = end - self.c.time
        for event in self.c.events:
            event["timestamp"] += offset
        self.c.time = end


def _ticket_row(ticket_id: int, builder: _Builder, reason: str, status: str, created: float) -> Dict[str, Any]:
    texts = [e["text"] for e in builder.c.events if e["event"] == "user" and not e["text"].startswith("/")]
    return {
        "id": ticket_id, "conversation_id": builder.c.sender_id, "reason": reason,
        "detected_error": builder.detected if reason != "not_understood" else None,
        "extracted_values": builder.values, "steps_given": [builder.detected] if builder.detected else [],
        "recent_messages": [mask_text(t) for t in texts[-5:]], "language": builder.language,
        "status": status, "created_at": dt.datetime.fromtimestamp(created, dt.timezone.utc),
    }


def _moment(timestamp: Optional[float]) -> Optional[dt.datetime]:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc) if timestamp is not None else None


class _Records:
    """The project's rows gathered while the conversations are built, inserted in bulk."""

    def __init__(self) -> None:
        self.tickets: List[Dict[str, Any]] = []
        self.details: List[Dict[str, Any]] = []
        self.audit: List[Dict[str, Any]] = []

    def audit_row(self, at: float, username: str, action: str, conversation_id: str, **detail: Any) -> None:
        self.audit.append({"at": at, "username": username, "action": action,
                           "conversation_id": conversation_id, "detail": detail})

    def details_row(self, ticket_id: int, **values: Any) -> None:
        row = {c: None for c in ("claimed_by", "agent_name", "claimed_at", "follow_up_at", "contact_email",
                                 "closed_by", "closed_at", "resolution_note", "resolved_error")}
        row.update({k: _moment(v) if k.endswith("_at") else v for k, v in values.items()})
        self.details.append({"ticket_id": ticket_id, **row})


def _with_ticket(builder: _Builder, ticket_id: int, status: str, now: float, records: _Records) -> None:
    """Escalates the conversation and lives its ticket's life up to ``status``."""
    rng, c = builder.rng, builder.c
    reason = builder.escalate(ticket_id)
    created = c.time
    cid = c.sender_id
    agent = rng.choice(AGENTS)
    username, first_name, _ = agent
    if status in (WAITING, CLAIMED):
        if status == WAITING:
            c.append({"event": "pause"})
            if rng.random() < 0.5:
                builder.to_the_agent()
            records.details_row(ticket_id)
        else:
            created, claimed = builder.live_chat(ticket_id, agent, rng.uniform(20, 150))
            records.details_row(ticket_id, claimed_by=username, agent_name=first_name, claimed_at=claimed)
            records.audit_row(claimed, username, "handoff_claimed", cid, ticket=ticket_id)
    elif status in (OPEN, CLOSED) or (status == RESOLVED and rng.random() < 0.5):
        # Off duty (or nobody claimed it): a follow-up, answered by e-mail or closed.
        email = _email(rng) if rng.random() < 0.75 else None
        builder.follow_up(email)
        closed_at = min(now - 60, created + rng.uniform(HOUR, 3 * DAY))
        values: Dict[str, Any] = {"follow_up_at": created, "contact_email": email}
        if status == RESOLVED:
            error = builder.detected or rng.choice(load_catalogue().intents + ["other"])
            note = rng.choice(NOTES)
            values.update(closed_by=username, closed_at=closed_at, resolution_note=note, resolved_error=error)
            records.audit_row(closed_at, username, "handoff_resolved", cid, ticket=ticket_id, error=error, note=note)
        elif status == CLOSED:
            why = rng.choice(CLOSE_REASONS)
            values.update(closed_by=username, closed_at=closed_at, resolution_note=why)
            records.audit_row(closed_at, username, "handoff_closed", cid, ticket=ticket_id, reason=why)
        records.details_row(ticket_id, **values)
    else:  # a live chat that ended: resolved, or handed back to the assistant
        created, claimed = builder.live_chat(ticket_id, agent, rng.uniform(20, 170))
        records.audit_row(claimed, username, "handoff_claimed", cid, ticket=ticket_id)
        values = {"claimed_by": username, "agent_name": first_name, "claimed_at": claimed}
        if status == RESOLVED:
            builder.back_to_the_assistant("utter_handoff_closed")
            error = builder.detected or "other"
            note = rng.choice(NOTES)
            values.update(closed_by=username, closed_at=c.time, resolution_note=note, resolved_error=error)
            records.audit_row(c.time, username, "handoff_resolved", cid, ticket=ticket_id, error=error, note=note)
        else:
            builder.back_to_the_assistant("utter_handed_back")
            values.update(closed_by=username, closed_at=c.time)
            records.audit_row(c.time, username, "handoff_handed_back", cid, ticket=ticket_id)
        records.details_row(ticket_id, **values)
    records.tickets.append(_ticket_row(ticket_id, builder, reason, status, created))


def _starts(plan: DemoPlan, rng: random.Random, now: float) -> List[float]:
    """Start times oldest first over ``days`` up to an hour ago, more on weekdays and in
    office hours (today's live chats are moved to their minutes by ``seed``)."""
    starts = []
    while len(starts) < plan.conversations:
        moment = now - rng.uniform(HOUR, plan.days * DAY)
        local = time.localtime(moment)
        busy = (local.tm_wday < 5) * 0.7 + (7 <= local.tm_hour < 18) * 0.25 + 0.05
        if rng.random() < busy:
            starts.append(moment)
    return sorted(starts)


def _existing(databases: Databases) -> Tuple[int, int]:
    with databases.sessions() as session:
        return (session.execute(select(func.count()).select_from(ConversationSummary)).scalar_one(),
                session.execute(select(func.count()).select_from(HandoffTicket)).scalar_one())


def seed(databases: Databases, plan: DemoPlan = DemoPlan(), now: Optional[float] = None,
         force: bool = False, password: Optional[str] = None) -> Seeded:
    """Seeds ``databases`` (the schema at head; Rasa's ``events`` table made) by ``plan``."""
    started = time.monotonic()
    now = now if now is not None else time.time()
    rng = random.Random(plan.seed)
    if not force and any(_existing(databases)):
        raise SystemExit("The database already has conversations or tickets: not seeding "
                         "(--force adds to them, with a --seed not used there before).")
    starts = _starts(plan, rng, now)
    ids = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in starts]
    with databases.sessions() as session:
        if session.get(ConversationSummary, ids[0]) is not None:
            raise SystemExit(f"Seed {plan.seed} was used on this database already: choose another --seed.")
        first_ticket = (session.execute(select(func.max(HandoffTicket.id))).scalar() or 0) + 1
    live = plan.waiting + plan.claimed
    older = sorted(rng.sample(range(plan.conversations - live), plan.tickets - live))
    states = dict(zip(older, plan.ticket_states(rng)))
    for n, index in enumerate(range(plan.conversations - live, plan.conversations)):
        states[index] = WAITING if n < plan.waiting else CLAIMED
    ticket_ids = {index: first_ticket + n for n, index in enumerate(sorted(states))}
    records = _Records()
    summaries: List[Dict[str, Any]] = []
    result = Seeded(ids=ids)

    def events() -> Iterator[Tuple[str, Dict[str, Any]]]:
        for index, (sender_id, start) in enumerate(zip(ids, starts)):
            builder = _Builder(rng, sender_id, start)
            status = states.get(index)
            if status is None:
                builder.without_ticket()
            else:
                _with_ticket(builder, ticket_ids[index], status, now, records)
            if status in (WAITING, CLAIMED):  # today: waiting 30 s to 3 min, claimed within the hour
                end = now - (rng.uniform(30, 170) if status == WAITING else rng.uniform(60, HOUR))
                builder.shift_to_end_at(end)
                _retime_live(records, builder, ticket_ids[index])
            masked = [mask_event(e) for e in builder.c.events]
            summary = summarise(sender_id, masked)
            if summary:
                summaries.append(summary)
            for event in masked:
                yield sender_id, event

    result.events = databases.events.add_all(events(), 5000)
    result.conversations = len(summaries)
    with databases.sessions() as session, session.begin():
        SummaryWriter(session).insert_all(summaries)
        _insert(session, HandoffTicket, records.tickets)
        _insert(session, TicketDetails, records.details)
        _advance_ticket_ids(session)
        mark_resolved_by_agents(session)
        _staff(session, password, now)
        _annotations(session, rng, ids, now, records)
        _insert(session, AuditEvent, records.audit)
        _decisions(session, rng, now)
    result.tickets = {s: sum(1 for t in records.tickets if t["status"] == s)
                      for s in (WAITING, CLAIMED, OPEN, RESOLVED, HANDED_BACK, CLOSED)}
    result.seconds = time.monotonic() - started
    return result


def _retime_live(records: _Records, builder: _Builder, ticket_id: int) -> None:
    """A live ticket's times follow its conversation once that is moved to today."""
    events = builder.c.events
    paused = next(e["timestamp"] for e in events if e["event"] == "pause")
    ticket = records.tickets[-1]
    ticket["created_at"] = _moment(paused)
    details = records.details[-1]
    joined = [e["timestamp"] for e in events if (e.get("metadata") or {}).get("handoff") == "joined"]
    if joined:
        details["claimed_at"] = _moment(joined[0])
        claim = next(a for a in reversed(records.audit) if a["detail"].get("ticket") == ticket_id)
        claim["at"] = joined[0]


def _insert(session, model, rows: Sequence[Dict[str, Any]], batch: int = 2000) -> None:
    for start in range(0, len(rows), batch):
        session.execute(model.__table__.insert(), list(rows[start:start + batch]))


def _advance_ticket_ids(session) -> None:
    """Ticket ids were given here: PostgreSQL's sequence must continue after them."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('handoff_tickets', 'id'), "
                             "(SELECT max(id) FROM handoff_tickets))"))


def _staff(session, password: Optional[str], now: float) -> None:
    """The staff accounts (those missing) and the agents' live-chat profiles."""
    staff = StaffRepository(session)
    for username, first_name, role in STAFF:
        if staff.by_name(username) is None:
            staff.create(username, password or uuid.uuid4().hex, role)
        if role == "agent" and session.get(HandoffAgent, username) is None:
            session.add(HandoffAgent(username=username, first_name=first_name, on_duty=username in ON_DUTY,
                                     updated_at=now, name_confirmed=True))
    session.flush()


def _annotations(session, rng: random.Random, ids: List[str], now: float, records: _Records) -> None:
    """Tags, notes and reviews on some conversations, each with its audit row."""
    reviewer = lambda: rng.choice(["tove", "anna", "admin"])  # noqa: E731
    tags, notes, reviews = [], [], []
    for cid in rng.sample(ids, len(ids) // 20):
        tag, who, at = rng.choice(TAGS), reviewer(), now - rng.uniform(0, 60 * DAY)
        tags.append({"conversation_id": cid, "tag": tag, "created_by": who, "created_at": at})
        records.audit_row(at, who, "tag_added", cid, tag=tag)
    for cid in rng.sample(ids, len(ids) // 50):
        who, at = reviewer(), now - rng.uniform(0, 60 * DAY)
        notes.append({"conversation_id": cid, "body": rng.choice(NOTES), "created_by": who, "created_at": at})
        records.audit_row(at, who, "note_added", cid)
    for cid in rng.sample(ids, len(ids) // 7):
        who, at = reviewer(), now - rng.uniform(0, 80 * DAY)
        reviews.append({"conversation_id": cid, "reviewed_by": who, "reviewed_at": at})
        records.audit_row(at, who, "reviewed", cid)
    _insert(session, ConversationTag, tags)
    _insert(session, ConversationNote, notes)
    _insert(session, ConversationReview, reviews)


def _decisions(session, rng: random.Random, now: float) -> None:
    """A trainer's decisions on inbox messages: mash and junk dismissed, wordings accepted."""
    existing = set(session.execute(select(InboxDecision.text_key)).scalars())
    rows = []
    for n in range(300):
        language = rng.choice(["en", "sv"])
        wording = not_understood_text(language, rng)
        key = text_key(wording)
        if key in existing:
            continue
        existing.add(key)
        mash = not any(c in wording for c in "aeiouyåäö ") or rng.random() < 0.4
        decision = "dismissed" if mash else rng.choice(["accepted", "relabelled"])
        rows.append({"text_key": key, "text": wording, "decision": decision,
                     "intent": None if decision == "dismissed" else "export_failed", "language": language,
                     "decided_by": TRAINER, "decided_at": now - rng.uniform(0, 80 * DAY)})
    _insert(session, InboxDecision, rows)


def main(argv=None) -> int:
    from bot.settings import settings

    config = settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    defaults = DemoPlan()
    parser.add_argument("--conversations", type=int, default=defaults.conversations)
    parser.add_argument("--tickets", type=int, default=defaults.tickets)
    parser.add_argument("--follow-ups", type=int, default=defaults.follow_ups, help="open follow-up tickets")
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--database-url", default=config.database_url)
    parser.add_argument("--tracker-url", default=config.tracker_store_url)
    parser.add_argument("--force", action="store_true", help="add to a database that has data")
    parser.add_argument("--password", help="the staff accounts' password (default: a random one each)")
    parser.add_argument("--now", type=float, help="the moment the three months end (a Unix time; default: now)")
    args = parser.parse_args(argv)
    plan = DemoPlan(conversations=args.conversations, tickets=args.tickets, follow_ups=args.follow_ups,
                    days=args.days, seed=args.seed)
    create_events_table(args.tracker_url)
    databases = Databases.open(args.database_url, args.tracker_url)
    try:
        seeded = seed(databases, plan, now=args.now, force=args.force, password=args.password)
    finally:
        databases.dispose()
    print(f"{seeded.conversations} conversations ({seeded.events} events) and "
          f"{sum(seeded.tickets.values())} tickets ({', '.join(f'{n} {s}' for s, n in seeded.tickets.items())}) "
          f"in {seeded.seconds:.1f} s")
    print("staff: " + ", ".join(f"{u} ({r})" for u, _, r in STAFF) +
          ("" if args.password else " — random passwords: set them with `make users ARGS=\"set-password NAME\"`"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
