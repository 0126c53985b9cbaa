"""A small, known set of conversations for the console's tests."""
from __future__ import annotations

import datetime as dt
import random
from typing import Dict
from zoneinfo import ZoneInfo

from bot.ops.sample_data import Conversation, store
from bot.storage.annotations import AnnotationRepository

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: int, hour: int = 10) -> float:
    return dt.datetime(2024, 3, day, hour, 0, tzinfo=STOCKHOLM).timestamp()


def build() -> Dict[str, Conversation]:
    rng = random.Random(7)
    c: Dict[str, Conversation] = {}

    resolved = c["resolved"] = Conversation("conv-resolved-en-0001", at(10), "en", rng)
    resolved.greet()
    resolved.error_turn("account_not_active", "it says account 1930 is not active??")
    resolved.affirm()

    denied = c["denied"] = Conversation("conv-denied-sv-00002", at(11), "sv", rng)
    denied.error_turn("voucher_series_not_manual", "Verifikationsserien är inte manuell (F)", 0.72)
    denied.deny(ticket_id=1)

    lost = c["lost"] = Conversation("conv-fellback-en-003", at(12), "en", rng)
    lost.not_understood(ticket_id=2, times=2)

    scope = c["scope"] = Conversation("conv-outofscope-sv-4", at(12, 15), "sv", rng)
    scope.out_of_scope()

    private = c["private"] = Conversation("conv-private-en-0005", at(13), "en", rng)
    private.error_turn(
        "period_closed", "The period is closed 2024-12-31, call me 070-123 45 67 or anna@example.com")

    late = c["late"] = Conversation("conv-late-night-0006", at(13, 23) + 30 * 60, "en", rng)
    late.ask_for_human(ticket_id=3)
    return c


def seed(databases) -> Dict[str, Conversation]:
    conversations = build()
    store(databases, conversations.values())
    with databases.sessions() as session:
        notes = AnnotationRepository(session, "anna")
        notes.add_tag(conversations["resolved"].sender_id, "Good answer")
        notes.add_tag(conversations["lost"].sender_id, "training")
        notes.add_tag(conversations["denied"].sender_id, "training")
        notes.set_reviewed(conversations["denied"].sender_id, True)
        session.commit()
    return conversations
