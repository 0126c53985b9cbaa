"""Agent assist in the live chat (Flask test client, SQLite and PostgreSQL): the suggested
reply with the customer's values in their language, the agent's pick of another error,
the canned replies in the chat's language first, everything escaped."""
from __future__ import annotations

import html
import re
import time

from bot.catalogue.render import render_fix
from bot.storage.canned_replies import CannedReplyInput
from bot.storage.unit_of_work import UnitOfWork
from tests.console import test_agent_views
from tests.console.test_agent_views import CONVERSATION, ticket

console = test_agent_views.console  # the inbox's fixture: SQLite and PostgreSQL, Rasa recorded

SUGGEST = f"/console/api/agent/chats/{CONVERSATION}/suggestion"
CHAT = f"/console/agent/chats/{CONVERSATION}"


def claimed(console, events=()):
    """The test's ticket (period_closed, 2024-12-31, English) claimed by anna."""
    made = ticket(console)
    console.databases.events.add_all([(CONVERSATION, {"timestamp": time.time(), **e}) for e in events])
    console.sign_in("anna")
    assert console.post(f"{CHAT}/claim").status_code == 302
    return made


def option_texts(page):
    return [html.unescape(t) for t in re.findall(r'role="option"[^>]*data-text="([^"]*)"', page)]


def test_the_chat_suggests_the_understood_fix_with_the_customers_values(console):
    claimed(console)
    page = console.get(CHAT).get_data(as_text=True)
    expected = render_fix("period_closed", "en", {"period_date": "2024-12-31"})
    assert 'id="assist"' in page and "after 2024-12-31, in a period that is open" in page
    assert "<strong>The period is closed</strong>" in page  # shown as the customer will see it
    assert option_texts(page)[0] == expected  # the picker's first entry
    assert re.search(r'<option value="period_closed" selected>The period is closed \(understood\)', page)
    assert "<textarea name=\"text\" rows=\"3\"" in page  # the box stays empty until asked
    # Without the script: the same form fills the reply box, ready to edit.
    filled = console.get(f"{CHAT}?error=period_closed&language=en&insert=1").get_data(as_text=True)
    box = re.search(r'<textarea name="text"[^>]*>([^<]*)</textarea>', filled).group(1)
    assert html.unescape(box) == expected


def test_values_the_customer_gave_the_person_and_the_swedish_language_are_used(console):
    claimed(console, [
        {"event": "slot", "name": "language", "value": "sv"},
        {"event": "pause"},
        {"event": "user", "text": "verifikationsserie F", "parse_data": {
            "intent": {"name": "nlu_fallback"}, "entities": [{"entity": "series", "value": "F"}]}},
    ])
    data = console.get(f"{SUGGEST}?error=voucher_series_not_manual").json
    assert data["language"] == "sv" and data["title"] == "Verifikationsserien är inte manuell"
    assert data["text"] == render_fix("voucher_series_not_manual", "sv",
                                      {"period_date": "2024-12-31", "series": "F"})
    assert "verifikationsserie F" in data["text"] and "<strong>" in data["html"]
    english = console.get(f"{SUGGEST}?error=voucher_series_not_manual&language=en").json
    assert english["language"] == "en" and "voucher series F" in english["text"]
    default = console.get(SUGGEST).json
    assert default["intent"] == "period_closed" and "efter 2024-12-31" in default["text"]
    unknown = console.get(f"{SUGGEST}?error=<script>")
    assert unknown.status_code == 404 and "eight errors" in unknown.json["error"]


def test_canned_replies_come_in_the_chats_language_first_with_values_filled_and_escaped(console):
    with UnitOfWork(console.databases.sessions) as uow:
        uow.canned_replies.add(CannedReplyInput(
            "date", "en", "Date <i>", 'After {period_date}? "quoted" <img src=x onerror=alert(1)>'), "adam")
    claimed(console)
    page = console.get(CHAT).get_data(as_text=True)
    shortcuts = re.findall(r'<span class="shortcut">/([a-z]+)</span>', page)
    assert shortcuts == ["checking", "closing", "date", "hello", "checking", "closing", "hello"]
    assert 'After after 2024-12-31, in a period that is open? &#34;quoted&#34; &lt;img src=x' in page
    assert "<img src=x" not in page and "Date &lt;i&gt;" in page
    assert option_texts(page)[3] == ('After after 2024-12-31, in a period that is open? "quoted" '
                                      "<img src=x onerror=alert(1)>")
    # What the agent sends is shown as any agent message: escaped first.
    assert console.post(f"{CHAT}/reply", {"text": option_texts(page)[3]}).status_code == 302
    sent = console.api.calls[-1]
    assert "<img src=x onerror=alert(1)>" in str(sent)
    console.databases.events.add_all([(CONVERSATION, {
        "event": "bot", "timestamp": 5.0, "text": option_texts(page)[3], "metadata": {"agent": "Anna"}})])
    shown = console.get(f"/console/api/agent/chats/{CONVERSATION}/messages?after=0").json["messages"][-1]
    assert shown["kind"] == "agent" and "&lt;img src=x onerror=alert(1)&gt;" in shown["html"]


def test_only_the_agent_who_has_the_chat_gets_the_assist(console):
    ticket(console)
    console.sign_in("anna")
    waiting = console.get(CHAT).get_data(as_text=True)
    assert 'id="assist"' not in waiting and 'id="canned-picker"' not in waiting
    assert console.post(f"{CHAT}/claim").status_code == 302
    other = console.new_client()
    other.sign_in("tove")
    assert 'id="assist"' not in other.get(CHAT).get_data(as_text=True)
    assert console.get("/console/api/agent/chats/conv-nobody-0000000001/suggestion").status_code == 404
