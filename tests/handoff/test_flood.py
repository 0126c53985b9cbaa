"""Escalation limits (bot/handoff/flood.py, lifecycle.escalate): per address and per
hour, counted in the database so every process and worker sees the same counts."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bot.handoff import lifecycle
from bot.handoff.flood import EscalationLimits, client_key
from bot.handoff.hours import OpeningHours
from bot.storage.annotations import AuditRepository
from bot.storage.database import make_engine, make_session_factory
from bot.storage.migrate import upgrade
from bot.storage.tickets import EscalationRecord, NewTicket
from bot.storage.unit_of_work import UnitOfWork

NEVER = OpeningHours.parse("never")
LIMITS = EscalationLimits(per_address=3, per_hour=5)


@pytest.fixture
def sessions(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def escalate(sessions, conversation: str, key, limits=LIMITS):
    new = NewTicket(conversation_id=conversation, reason="customer_asked", language="en",
                    client_key=key)
    return lifecycle.escalate(UnitOfWork(sessions), new, NEVER, limits=limits)


def test_the_fourth_new_ticket_from_one_address_in_an_hour_is_refused(sessions):
    for n in range(3):
        assert escalate(sessions, f"conv-flood-{n}", "key-a").created
    with pytest.raises(lifecycle.EscalationLimited) as refused:
        escalate(sessions, "conv-flood-3", "key-a")
    assert refused.value.limit == "address"
    # Another address is not held back, and a conversation with a ticket reuses it.
    assert escalate(sessions, "conv-other-0", "key-b").created
    assert not escalate(sessions, "conv-flood-0", "key-a").created


def test_the_window_slides_an_hour_back_from_now(sessions):
    for n in range(3):
        escalate(sessions, f"conv-slide-{n}", "key-a")
    with sessions() as session:
        session.execute(update(EscalationRecord).values(
            opened_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=61)))
        session.commit()
    assert escalate(sessions, "conv-slide-3", "key-a").created


def test_the_hourly_total_is_capped_and_staff_are_told_once(sessions):
    for n in range(5):
        assert escalate(sessions, f"conv-total-{n}", f"key-{n}").created
    for n in range(5, 8):
        with pytest.raises(lifecycle.EscalationLimited) as refused:
            escalate(sessions, f"conv-total-{n}", f"key-{n}")
        assert refused.value.limit == "hour"
    with sessions() as session:
        capped = [e for e in AuditRepository(session).recent() if e.action == "handoff_escalations_capped"]
    assert len(capped) == 1


def test_no_limits_means_none(sessions):
    for n in range(6):
        assert escalate(sessions, f"conv-free-{n}", "key-a", EscalationLimits(0, 0)).created


def test_a_client_key_names_an_address_without_giving_it_away():
    key = client_key("203.0.113.7", "secret")
    assert key == client_key("203.0.113.7", "secret") != client_key("203.0.113.8", "secret")
    assert key != client_key("203.0.113.7", "other secret") and "203" not in key
    assert len(key) == 32
