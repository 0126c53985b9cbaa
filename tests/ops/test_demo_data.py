"""make demo-data (bot/ops/demo_data.py) on SQLite and PostgreSQL: every state, the same
data from the same seed, a non-empty database refused, tickets that carry on after it."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from bot.console.databases import Databases
from bot.ops.demo_data import DemoPlan, seed
from bot.storage.conversations import ConversationSummary
from bot.storage.tickets import CLAIMED, CLOSED, HANDED_BACK, OPEN, RESOLVED, WAITING, HandoffTicket, NewTicket, stored_timestamp
from bot.storage.unit_of_work import UnitOfWork
from tests.support.databases import create_events_table

PLAN = DemoPlan(conversations=200, tickets=80, follow_ups=40, seed=3)
NOW = 1_790_000_000.0
PASSWORD = "demo data test password"


def state(databases: Databases):
    with databases.sessions() as session:
        tickets = session.execute(select(HandoffTicket.id, HandoffTicket.conversation_id, HandoffTicket.status)
                                  .order_by(HandoffTicket.id)).all()
        conversations = list(session.execute(select(ConversationSummary.conversation_id, ConversationSummary.errors,
                                                    ConversationSummary.first_message)
                                             .order_by(ConversationSummary.conversation_id)).all())
    return [tuple(t) for t in tickets], [tuple(c) for c in conversations]


def test_every_state_from_one_seed_and_a_full_database_refused(databases, tmp_path):
    seeded = seed(databases, PLAN, now=NOW, password=PASSWORD)
    assert seeded.conversations == 200 and sum(seeded.tickets.values()) == 80
    assert seeded.tickets[OPEN] == 40 and seeded.tickets[WAITING] == 5 and seeded.tickets[CLAIMED] == 4
    assert all(seeded.tickets[s] > 0 for s in (RESOLVED, HANDED_BACK, CLOSED))
    with databases.sessions() as session:
        languages = dict(session.execute(select(ConversationSummary.language, func.count())
                                         .group_by(ConversationSummary.language)).all())
        newest_waiting = session.execute(select(func.max(HandoffTicket.created_at))
                                         .where(HandoffTicket.status == WAITING)).scalar_one()
    assert languages["en"] > 50 and languages["sv"] > 50
    assert 0 < NOW - stored_timestamp(newest_waiting) < 600  # minutes ago

    # The same seed, another database: the same conversations, tickets and states.
    tracker = f"sqlite:///{tmp_path / 'again-tracker.db'}"
    create_events_table(tracker)
    again = Databases.open(f"sqlite:///{tmp_path / 'again.db'}", tracker)
    try:
        seed(again, PLAN, now=NOW, password=PASSWORD)
        assert state(again) == state(databases)
    finally:
        again.dispose()

    with pytest.raises(SystemExit, match="already has"):
        seed(databases, PLAN, now=NOW)
    with pytest.raises(SystemExit, match="used on this database"):
        seed(databases, PLAN, now=NOW, force=True)
    more = seed(databases, DemoPlan(conversations=50, tickets=25, follow_ups=8, seed=4), now=time.time(), force=True)
    assert more.conversations == 50

    # New tickets carry on after the seeded ones (PostgreSQL's sequence was moved on).
    with UnitOfWork(databases.sessions) as uow:
        ticket = uow.tickets.open_ticket(NewTicket("after-the-demo-data-01", "customer_asked", "en"))
        assert ticket.id == 80 + 25 + 1
