"""The conversation list, the transcript and the staff's annotations, over HTTP."""
import re
from html import unescape

import pytest

from bot.ops.sample_data import Conversation, store
from tests.support import scenarios


@pytest.fixture
def signed_in(console_both):
    scenarios.seed(console_both.databases)
    console_both.sign_in("anna")
    return console_both


def listed(console, query=""):
    page = console.get("/console/conversations" + query)
    assert page.status_code == 200
    return re.findall(r'<tr data-conversation="([^"]+)"', page.get_data(as_text=True))


def test_list_newest_first_with_its_columns(signed_in):
    page = signed_in.get("/console/conversations").get_data(as_text=True)
    assert listed(signed_in)[0] == "conv-late-night-0006"
    assert '<span id="total">6</span>' in page
    row = re.search(r'<tr data-conversation="conv-resolved-en-0001">(.*?)</tr>', page, re.S).group(1)
    assert "2024-03-10" in row and "account_not_active" in row and "resolved" in row
    assert "good answer" in row


def test_filters_combine_in_the_query_string(signed_in):
    assert listed(signed_in, "?language=sv&escalated=yes") == ["conv-denied-sv-00002"]
    assert listed(signed_in, "?tag=training&reviewed=no") == ["conv-fellback-en-003"]
    assert listed(signed_in, "?q=1930&resolved=yes&date_from=2024-03-10&date_to=2024-03-10") == [
        "conv-resolved-en-0001"]
    assert listed(signed_in, "?fell_back=yes&confidence_below=0.5") == ["conv-fellback-en-003"]
    assert listed(signed_in, "?error=period_closed&escalated=no") == ["conv-private-en-0005"]


def test_a_bad_filter_is_explained_with_a_400(signed_in):
    page = signed_in.get("/console/conversations?date_from=tomorrow&confidence_below=x")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "date from: not a date" in text and "confidence below: a number" in text
    api = signed_in.get("/console/api/conversations?escalated=perhaps")
    assert api.status_code == 400 and api.json["problems"] == ["escalated: yes or no"]


def test_the_api_lists_the_same(signed_in):
    data = signed_in.get("/console/api/conversations?language=sv").json
    assert data["total"] == 2
    assert [c["conversation_id"] for c in data["conversations"]] == [
        "conv-outofscope-sv-4", "conv-denied-sv-00002"]
    denied = data["conversations"][1]
    assert denied["escalated"] is True and denied["reviewed_by"] == "anna"
    assert denied["tags"] == ["training"] and denied["errors"] == ["voucher_series_not_manual"]


def test_pagination(console):
    import random

    rng = random.Random(3)
    conversations = [Conversation(f"conv-page-{n:05d}-xxxxx", 1_700_000_000 + n * 60, "en", rng)
                     for n in range(120)]
    for conversation in conversations:
        conversation.greet()
    store(console.databases, conversations)
    console.sign_in("anna")
    first = listed(console)
    assert len(first) == 50 and first[0] == "conv-page-00119-xxxxx"
    second = listed(console, "?page=2")
    assert second[0] == "conv-page-00069-xxxxx"
    assert len(listed(console, "?page=3")) == 20
    assert listed(console, "?page=4") == []
    page = console.get("/console/conversations?page=2&language=en").get_data(as_text=True)
    assert "page 2 of 3" in page
    assert 'href="/console/conversations?page=3&amp;language=en"' in page


def test_the_transcript_shows_what_the_assistant_saw_and_did(signed_in):
    page = unescape(signed_in.get("/console/conversations/conv-resolved-en-0001").get_data(as_text=True))
    assert "it says account 1930 is not active??" in page
    assert "account_not_active" in page and "1.00" in page
    assert "account = 1930" in page  # the extracted value
    assert "action_give_fix" in page and "action_handle_feedback" in page
    assert "Did that fix it?" in page and "Yes, it works" in page  # answer and buttons
    assert "utter_fix_worked" in page
    assert re.search(r"<time>2024-03-10 10:0\d:\d\d</time>", page)


def test_the_transcript_shows_escalations_and_tickets(signed_in):
    from bot.storage.tickets import NewTicket
    from bot.storage.unit_of_work import UnitOfWork

    with UnitOfWork(signed_in.databases.sessions) as uow:
        uow.tickets.open_ticket(NewTicket(
            "conv-denied-sv-00002", "fix_did_not_work", "sv",
            detected_error="voucher_series_not_manual",
            recent_messages=["Verifikationsserien är inte manuell (F)"]))
    page = unescape(signed_in.get("/console/conversations/conv-denied-sv-00002").get_data(as_text=True))
    assert "Escalated to a person" in page
    assert "Handoff ticket" in page and "fix_did_not_work" in page
    assert "ärende 1" in page  # the assistant told the customer the case number
    assert "0.72" in page  # a low confidence is shown
    # From the ticket to the live chat, where an agent can claim and answer it.
    assert 'href="/console/agent/chats/conv-denied-sv-00002">Open the chat</a>' in page
    assert signed_in.get("/console/agent/chats/conv-denied-sv-00002").status_code == 200


def test_messages_are_shown_as_text_never_as_markup(console):
    conversation = Conversation("conv-markup-00000001")
    conversation.user('<img src=x onerror=alert(1)><script>alert("x")</script>', "out_of_scope", 0.6)
    store(console.databases, [conversation])
    console.sign_in("anna")
    for url in ("/console/conversations", "/console/conversations/conv-markup-00000001"):
        page = console.get(url).get_data(as_text=True)
        assert "<img src=x" not in page and "<script>alert" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_personal_data_is_not_shown(signed_in):
    page = signed_in.get("/console/conversations/conv-private-en-0005").get_data(as_text=True)
    assert "070-123" not in page and "anna@example.com" not in page
    assert "[phone]" in page and "[e-mail]" in page


def test_tags_notes_and_review_with_who_did_them(signed_in):
    cid = "conv-private-en-0005"
    url = f"/console/conversations/{cid}"
    assert signed_in.post(f"{url}/tags", {"tag": "Wrong Fix"}).status_code == 302
    signed_in.post(f"{url}/notes", {"body": "Customer gave their number 0701234567 <b>bold</b>"})
    signed_in.post(f"{url}/review", {"reviewed": "yes"})
    page = signed_in.get(url).get_data(as_text=True)
    assert '<span class="tag">wrong fix</span> <small>by anna</small>' in page
    assert "Customer gave their number [phone] &lt;b&gt;bold&lt;/b&gt;" in page
    assert "Reviewed by anna" in page
    assert "tag added" in page and "note added" in page and "marked reviewed" in page
    assert listed(signed_in, "?tag=wrong+fix&reviewed=yes") == [cid]

    signed_in.post(f"{url}/tags/remove", {"tag": "wrong fix"})
    signed_in.post(f"{url}/review", {"reviewed": "no"})
    assert listed(signed_in, "?tag=wrong+fix") == []
    assert "Not reviewed" in signed_in.get(url).get_data(as_text=True)


def test_a_bad_tag_is_explained(signed_in):
    response = signed_in.post("/console/conversations/conv-private-en-0005/tags", {"tag": "<x>"})
    assert response.status_code == 302
    assert "A tag is 1-40 letters" in signed_in.get(response.headers["Location"]).get_data(as_text=True)


def test_unknown_conversation(signed_in):
    assert signed_in.get("/console/conversations/nope").status_code == 404
    assert signed_in.get("/console/api/conversations/nope").json == {"error": "No such conversation."}


def test_the_transcript_as_json(signed_in):
    data = signed_in.get("/console/api/conversations/conv-resolved-en-0001").json
    kinds = [item["kind"] for item in data["transcript"]]
    assert kinds[0] == "session" and "user" in kinds and "bot" in kinds and "action" in kinds
    user = next(i for i in data["transcript"] if i["kind"] == "user" and "1930" in i["text"])
    assert user["intent"] == "account_not_active" and user["entities"][0]["value"] == "1930"
    assert user["time"].startswith("2024-03-10T10:")
    assert data["tags"] == ["good answer"] and data["summary"]["resolved"] is True


def test_before_rasa_made_its_table(tmp_path, sqlite_url):
    from bot.console.databases import Databases
    from tests.support.console import make_console

    databases = Databases.open(sqlite_url, f"sqlite:///{tmp_path / 'no-tracker-yet.db'}")
    console = make_console(databases)
    console.sign_in("anna")
    assert console.get("/console/conversations").status_code == 200
    assert console.get("/console/conversations/anything").status_code == 404
    databases.dispose()


def test_the_transcript_names_the_agent_who_wrote(signed_in):
    from bot.ops.sample_data import Conversation, store

    conversation = Conversation("conv-agent-000000001", language="sv")
    conversation.ask_for_human(ticket_id=7)
    conversation.bot("Hej! Jag tittar på din export nu.", agent="Maria", agent_user="maria.l")
    store(signed_in.databases, [conversation])
    page = unescape(signed_in.get(f"/console/conversations/{conversation.sender_id}").get_data(as_text=True))
    assert re.search(r"Agent Maria \(maria\.l\)\s*</div>\s*<div class=\"bubble\">Hej! Jag tittar", page)
    assert page.count("Agent Maria") == 1  # the assistant's messages stay "Assistant"


def rasa_takes(console, conversation_id, events):
    """What Rasa does with events appended to a conversation: stores them, and the tracker
    store folds them into the summary (knowing whether the assistant was paused)."""
    from bot.storage.conversations import merge_into_summary
    from bot.storage.to_a_person import paused_after

    before = [e.data for e in console.databases.events.events_for(conversation_id)]
    console.databases.events.add_all([(conversation_id, e) for e in events])
    with console.databases.sessions() as session, session.begin():
        merge_into_summary(session, conversation_id, events, paused_after(before))


def resolved_by_an_agent(console):
    """A customer asked for a person (the assistant paused while the chat waited), wrote
    while waiting and to Anna once she claimed it (the NLU fell back on both), and Anna
    resolved it with a note, Rasa taking the lifecycle's events as it would."""
    from bot.handoff import lifecycle
    from bot.ops.sample_data import Conversation, store
    from bot.storage.tickets import NewTicket
    from bot.storage.unit_of_work import UnitOfWork
    from tests.support.handoff import RecordingApi

    conversation = Conversation("conv-with-agent-0001", scenarios.at(14), "en")
    conversation.error_turn("account_not_active", "account 1930 is not active")
    conversation.ask_for_human(ticket_id=4)
    conversation._add({"event": "pause"})
    conversation.fallback_user("is anyone there", best_guess="greet", guess=0.2)
    store(console.databases, [conversation])
    uow = UnitOfWork(console.databases.sessions)
    with uow:
        ticket = uow.tickets.open_ticket(NewTicket(conversation.sender_id, "asked_for_human", "en",
                                                   detected_error="account_not_active"))
    api = RecordingApi()
    lifecycle.claim(uow, api, ticket.id, "anna")
    rasa_takes(console, conversation.sender_id, api.calls[-1][1])
    said = dict(conversation.events[-3], text="hi anna it is still inactive",
                timestamp=conversation.time + 3600)
    rasa_takes(console, conversation.sender_id, [said])
    lifecycle.resolve(uow, api, ticket.id, "anna",
                      "Account was closed by the bank; =reopened it, told bo@example.se",
                      "period_closed", ["account_not_active", "period_closed"])
    rasa_takes(console, conversation.sender_id, api.calls[-1][1])
    return conversation.sender_id, ticket.id


def test_the_transcript_shows_how_an_agent_resolved_it(signed_in):
    conversation_id, ticket_id = resolved_by_an_agent(signed_in)
    page = unescape(signed_in.get(f"/console/conversations/{conversation_id}").get_data(as_text=True))
    assert "Account was closed by the bank; =reopened it, told [e-mail]" in page
    assert "bo@example.se" not in page
    assert re.search(r"Ticket \d+ resolved by anna", page)
    assert "It really was: The period is closed" in page
    # What the customer wrote to Anna is labelled so, and not shown as a fallback.
    assert re.search(r"Customer, to the agent[^<]*</div>\s*<div class=\"bubble\">hi anna it is "
                     r"still inactive", page)
    assert "nlu_fallback" not in page
    # Paused while waiting, again at the claim (no news: one line), resumed at the resolve.
    assert page.count("Assistant paused") == 1 and page.count("Assistant resumed") == 1
    assert "Resolution note" in page  # on the ticket's card


def test_the_api_has_the_resolution_and_the_messages_to_the_agent(signed_in):
    conversation_id, ticket_id = resolved_by_an_agent(signed_in)
    data = signed_in.get(f"/console/api/conversations/{conversation_id}").json
    [ticket] = data["tickets"]
    assert ticket["id"] == ticket_id and ticket["status"] == "resolved"
    assert ticket["closed_by"] == "anna" and ticket["closed_at"].startswith("20")
    assert ticket["resolved_error"] == "period_closed"
    assert ticket["resolution_note"].endswith("told [e-mail]")
    closed = [i for i in data["transcript"] if i["kind"] == "ticket_closed"]
    assert closed and closed[0]["text"].endswith("told [e-mail]")
    to_agent = [i["text"] for i in data["transcript"] if i.get("to_agent")]
    assert to_agent == ["is anyone there", "hi anna it is still inactive"]
    summary = data["summary"]
    assert summary["fell_back"] is False and summary["handoff_resolved_error"] == "period_closed"
    assert summary["handoff_closed_by"] == "anna"


def test_a_follow_up_closed_as_spam_shows_who_closed_it_and_why(signed_in):
    from bot.handoff import lifecycle
    from bot.storage.tickets import OPEN, NewTicket
    from bot.storage.unit_of_work import UnitOfWork

    uow = UnitOfWork(signed_in.databases.sessions)
    with uow:
        ticket = uow.tickets.open_ticket(NewTicket("conv-fellback-en-003", "not_understood", "en"),
                                         status=OPEN)
    lifecycle.close_follow_ups(uow, [ticket.id], "adam", "spam from a@b.se")
    page = unescape(signed_in.get("/console/conversations/conv-fellback-en-003").get_data(as_text=True))
    assert f"Ticket {ticket.id} closed by adam" in page
    assert re.search(r"<dt>Reason</dt><dd class=\"note\">spam from \[e-mail\]</dd>", page)
    data = signed_in.get("/console/api/conversations/conv-fellback-en-003").json
    assert data["tickets"][-1]["resolution_note"] == "spam from [e-mail]"
    assert data["summary"]["resolved"] is False  # closed is not resolved
