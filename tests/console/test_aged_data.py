"""The console on an aged database (tests/support/aged.py: three months, 3,000
conversations, 1,400 tickets in every state, 1,050 open follow-ups): what agents and
trainers see after months of use, not only on a fresh database.  Issue 12: on a database
like this the inbox used to hide today's waiting chats behind 200 old tickets."""
from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from bot.ops.pages import create_app
from bot.settings import settings
from bot.storage.tickets import CLAIMED, CLOSED, HANDED_BACK, OPEN, RESOLVED, WAITING, HandoffTicket, TicketDetails
from tests.support.aged import PASSWORD
from tests.support.console import Console

DAY = 86_400


@pytest.fixture
def console(aged) -> Console:
    app = create_app(settings({"CONSOLE_SECRET_KEY": "aged-" + "z" * 40, "CONSOLE_TIMEZONE": "Europe/Stockholm",
                               "HANDOFF_HOURS": "always"}), aged.databases)
    app.config["TESTING"] = True
    return Console(app, aged.databases)


def signed_in(console: Console, username: str) -> Console:
    assert console.sign_in(username, PASSWORD).status_code == 302
    return console


def tickets(aged, status: str):
    with aged.databases.sessions() as session:
        return list(session.execute(select(HandoffTicket).where(HandoffTicket.status == status)
                                    .order_by(HandoffTicket.created_at, HandoffTicket.id)).scalars())


def test_the_aged_database_has_every_state_and_a_pile_of_follow_ups(aged):
    with aged.databases.sessions() as session:
        counts = dict(session.execute(select(HandoffTicket.status, func.count()).group_by(HandoffTicket.status)).all())
        emails = session.execute(select(func.count()).select_from(TicketDetails)
                                 .where(TicketDetails.contact_email.is_not(None))).scalar_one()
        notes = session.execute(select(func.count()).select_from(TicketDetails)
                                .where(TicketDetails.resolution_note.is_not(None))).scalar_one()
    assert set(counts) == {WAITING, CLAIMED, OPEN, RESOLVED, HANDED_BACK, CLOSED}
    assert counts[OPEN] >= 1000 and sum(counts.values()) == 1400
    assert emails > 700 and notes > 100
    assert aged.seeded.conversations == 3000


def test_the_inbox_shows_todays_waiting_and_claimed_chats_first(aged, console):
    signed_in(console, "anna")
    waiting, claimed = tickets(aged, WAITING), tickets(aged, CLAIMED)
    body = console.get("/console/api/agent/inbox").get_json()
    # Every one, longest wait first, however many old follow-ups there are.
    assert [t["id"] for t in body["waiting"]] == [t.id for t in waiting]
    assert {t["id"] for t in body["claimed"]} == {t.id for t in claimed}
    assert all(t["waited_seconds"] < 3600 for t in body["waiting"])
    page = console.get("/console/agent/").get_data(as_text=True)
    first_waiting = page.index(f'data-ticket="{waiting[0].id}"')
    first_follow_up = page.index('class="handoff-card open"')
    assert page.index('class="handoff-card claimed') < first_follow_up and first_waiting < first_follow_up


def test_follow_ups_page_newest_first_with_the_right_totals(aged, console):
    signed_in(console, "anna")
    open_tickets = tickets(aged, OPEN)
    first = console.get("/console/api/agent/inbox").get_json()
    assert first["open_total"] == len(open_tickets) == 1050
    assert first["active_total"] == len(open_tickets) + len(tickets(aged, WAITING)) + len(tickets(aged, CLAIMED))
    assert first["open_pages"] == 42 and "1059 tickets are unclosed" in first["active_warning"]
    seen = []
    for page in range(1, first["open_pages"] + 1):
        body = console.get(f"/console/api/agent/inbox?page={page}").get_json()
        assert body["open_page"] == page and len(body["open"]) == 25
        seen += [t["id"] for t in body["open"]]
    assert seen == [t.id for t in reversed(open_tickets)]  # newest first, each once, none missing
    beyond = console.get("/console/api/agent/inbox?page=999").get_json()
    assert beyond["open_page"] == 42


def test_search_finds_a_follow_up_from_three_months_ago(aged, console):
    signed_in(console, "anna")
    oldest = tickets(aged, OPEN)[0]
    created = oldest.created_at.replace(tzinfo=dt.timezone.utc)
    assert aged.now - created.timestamp() > 80 * DAY
    by_number = console.get(f"/console/api/agent/inbox?q=%23{oldest.id}").get_json()
    assert [t["id"] for t in by_number["open"]] == [oldest.id] and by_number["open_total"] == 1
    with aged.databases.sessions() as session:
        email = session.get(TicketDetails, oldest.id).contact_email
    if email:
        by_email = console.get(f"/console/api/agent/inbox?q={email.upper()}").get_json()
        assert oldest.id in [t["id"] for t in by_email["open"]]
    page = console.get(f"/console/agent/?q=%23{oldest.id}").get_data(as_text=True)
    assert f"Case {oldest.id}" in page and "matching" in page


def test_the_transcript_of_an_old_conversation_opens(aged, console):
    signed_in(console, "admin")
    oldest = aged.seeded.ids[0]
    with aged.databases.sessions() as session:
        resolved = session.execute(
            select(HandoffTicket, TicketDetails).join(TicketDetails, TicketDetails.ticket_id == HandoffTicket.id)
            .where(HandoffTicket.status == RESOLVED).order_by(HandoffTicket.id).limit(1)).first()
    response = console.get(f"/console/conversations/{oldest}")
    assert response.status_code == 200
    ticket, details = resolved
    page = console.get(f"/console/conversations/{ticket.conversation_id}").get_data(as_text=True)
    assert str(escape(details.resolution_note)) in page  # as the page escapes it: notes hold quotes
    assert f"/console/agent/chats/{ticket.conversation_id}" in page  # the ticket links to its chat


def test_the_nlu_inbox_shows_recent_items_and_its_filters_work(aged, console):
    signed_in(console, "tove")
    everything = console.get("/console/training/api/inbox").get_json()
    items = everything["items"]
    assert everything["total"] == len(items) > 50
    newest = console.get("/console/training/api/inbox?sort=newest").get_json()["items"]
    assert sorted(i["id"] for i in newest) == sorted(i["id"] for i in items)
    for language in ("en", "sv"):
        only = console.get(f"/console/training/api/inbox?language={language}").get_json()["items"]
        assert only and all(i["language"] == language for i in only)
    fell_back = console.get("/console/training/api/inbox?reason=fell+back").get_json()["items"]
    assert fell_back and all("fell back" in i["reasons"] for i in fell_back)
    words = console.get("/console/training/api/inbox?q=export").get_json()["items"]
    assert words and all("export" in i["text"].lower() or any("export" in v.lower() for v in i["variants"])
                         for i in words)
    old = (dt.date.fromtimestamp(aged.now) - dt.timedelta(days=60)).isoformat()
    assert console.get(f"/console/training/api/inbox?date_to={old}").get_json()["items"] == []
    page = console.get("/console/training/inbox?language=sv&sort=newest").get_data(as_text=True)
    assert 'class="inbox-item' in page


def test_the_nlu_inbox_lists_the_newest_message_the_assistant_fell_back_on(aged, console):
    """The newest fallback of the whole database, unless a trainer decided it already."""
    from bot.storage.conversations import ConversationSummary
    from bot.storage.events import EventRepository
    from bot.trainer.store import DecisionRepository
    from bot.trainer.text import text_key

    with aged.databases.sessions() as session:
        decided = DecisionRepository(session).decided_keys()
        recent = list(session.execute(select(ConversationSummary.conversation_id)
                                      .where(ConversationSummary.fell_back.is_(True))
                                      .order_by(ConversationSummary.last_ts.desc()).limit(20)).scalars())
    texts = [e.get("text") for _, _, e in EventRepository(aged.databases.tracker).user_events_of(recent)
             if (e.get("parse_data") or {}).get("intent", {}).get("name") == "nlu_fallback"]
    texts = [t for t in texts if text_key(t) not in decided]
    assert texts
    signed_in(console, "tove")
    shown = {t for i in console.get("/console/training/api/inbox").get_json()["items"]
             for t in [i["text"], *i["variants"]]}
    assert set(texts) <= shown


def test_what_the_nlu_inbox_remembers_gives_what_working_it_out_again_gives(aged):
    """The inbox remembers messages, groupings and keyboard-mash verdicts between requests
    (InboxMemory): a second request gives the same items, grouped as grouping every
    message afresh groups them."""
    from bot.trainer.inbox import Inbox, InboxMemory
    from bot.trainer.text import group_near_duplicates

    memory = InboxMemory()

    def items():
        with aged.databases.sessions() as session:
            return Inbox(session, aged.databases.tracker, read=memory).items()

    first, second = items(), items()
    assert [i.as_dict() for i in first] == [i.as_dict() for i in second] and len(first) > 50

    def shape(groups):
        return sorted(tuple((m.conversation_id, m.timestamp, m.text) for m in group) for group in groups)

    messages = sorted((m for item in first for m in item.messages), key=lambda m: m.timestamp)
    assert shape(i.messages for i in second) == shape(group_near_duplicates(messages, lambda m: m.text))
