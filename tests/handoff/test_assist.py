"""Agent assist: the customer's values and language read from the conversation, the fix
rendered with them in both languages, canned replies filled in."""
from __future__ import annotations

import pytest

from bot.catalogue.render import render_fix
from bot.handoff import assist
from bot.handoff.assist import ChatContext
from bot.storage.canned_replies import CannedReplyInput
from bot.storage.tickets import NewTicket, stored_timestamp
from bot.storage.unit_of_work import UnitOfWork


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def said(text, **entities):
    return {"event": "user", "text": text, "parse_data": {
        "intent": {"name": "nlu_fallback"},
        "entities": [{"entity": k, "value": v} for k, v in entities.items()]}}


def test_the_newest_value_wins_from_the_ticket_the_slots_and_messages_to_the_person():
    events = [
        slot("account", "1930"), slot("series", "A"),
        {"event": "pause"},
        # Written to the agent: parsed, but no slot is set while the assistant is paused.
        said("sorry, it is account 1931 and series F", account="1931", series="F"),
        slot("series", None),  # a slot emptied keeps the value the customer gave
        said("hello"),
    ]
    values = assist.customer_values({"account": "1800", "file_id": "77", "error_code": "2000663",
                                     "unknown": "x", "period_date": None}, events)
    assert values == {"account": "1931", "series": "F", "file_id": "77"}


def test_the_language_is_the_latest_language_slot_else_the_tickets():
    assert assist.customer_language("sv", []) == "sv"
    assert assist.customer_language("en", [slot("language", "sv"), slot("other", "en")]) == "sv"
    assert assist.customer_language("sv", [slot("language", "sv"), slot("language", "en")]) == "en"
    assert assist.customer_language(None, [slot("language", "de")]) == "en"


@pytest.mark.parametrize("language, expected", [
    ("en", ["**Account is not active**", "Find account 1930", "in Fortnox"]),
    ("sv", ["**Kontot är inte aktivt**", "Leta upp konto 1930", "i Fortnox"]),
])
def test_the_suggestion_is_the_catalogues_fix_with_the_customers_values(language, expected):
    context = ChatContext("account_not_active", language,
                          {"account": "1930", "accounting_system": "Fortnox"})
    suggestion = assist.suggest(context)
    assert (suggestion.intent, suggestion.language) == ("account_not_active", language)
    assert suggestion.text == render_fix("account_not_active", language, context.values)
    for part in expected:
        assert part in suggestion.text


def test_the_agent_picks_another_error_or_language():
    context = ChatContext("account_not_active", "sv", {"series": "F", "period_date": "2024-12-31"})
    picked = assist.suggest(context, "voucher_series_not_manual")
    assert picked.language == "sv" and "verifikationsserie F" in picked.text
    assert picked.title == "Verifikationsserien är inte manuell"
    english = assist.suggest(context, "period_closed", "en")
    assert "after 2024-12-31, in a period that is open" in english.text
    assert assist.suggest(context, "period_closed", "de").language == "sv"


def test_no_suggestion_without_a_known_error():
    context = ChatContext(None, "en", {})
    assert assist.suggest(context) is None
    assert assist.suggest(context, "not_an_error") is None
    assert assist.suggest(context, "other") is None


def test_canned_placeholders_take_the_customers_values_in_the_replys_language():
    values = {"account": "1930"}
    assert assist.with_customer_values("About {account}: {series}?", "en", values) == \
        "About account 1930: the voucher series named in the error message?"
    assert assist.with_customer_values("Om {account}.", "sv", values) == "Om konto 1930."
    # Anything else in braces is the admin's text, kept as written.
    assert assist.with_customer_values("{x} {account.__class__} {{account}} {", "en", values) == \
        "{x} {account.__class__} {account 1930} {"


def test_the_chat_context_and_its_canned_replies(databases):
    uow = UnitOfWork(databases.sessions)
    with uow:
        ticket = uow.tickets.open_ticket(NewTicket(
            "conv-assist-1", "customer_asked", "en", "account_not_active", {"account": "1930"}))
        uow.canned_replies.add(CannedReplyInput("acct", "sv", "Konto", "Gäller det {account}?"), "adam")
    escalated = stored_timestamp(ticket.created_at)
    long_before = escalated - 3600
    databases.events.add_all([("conv-assist-1", {**e, "timestamp": at}) for at, e in (
        # Before the handover the assistant listened: its slots count, its messages were
        # read into them (an entity it did not take as a slot is not the customer's value).
        (long_before, said("konto 1111, serie A", account="1111", series="A")),
        (long_before, slot("account", "1111")),
        (long_before, slot("file_id", "42")),
        (long_before, {"event": "bot", "text": "fix", "name": "file_id"}),
        (escalated + 1, slot("language", "sv")),
        (escalated + 2, said("det är konto 2440", account="2440")),
        (escalated + 3, {"event": "action", "name": "account"}),
    )])
    context = assist.chat_context(databases.events, ticket)
    assert context == ChatContext("account_not_active", "sv", {"account": "2440", "file_id": "42"})
    choices = assist.canned_replies(uow, context)
    assert [(c.shortcut, c.language) for c in choices][:4] == [
        ("acct", "sv"), ("checking", "sv"), ("closing", "sv"), ("hello", "sv")]
    assert choices[0].text == "Gäller det konto 2440?"
    assert {c.language for c in choices[4:]} == {"en"}
