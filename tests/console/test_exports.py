"""Exports: the filtered list as CSV and JSON Lines, a conversation as a Rasa test story."""
import csv
import io
import json

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from bot.console.exports import annotate
from bot.ops.sample_data import Conversation, store
from bot.settings import PROJECT_ROOT
from tests.support import scenarios


@pytest.fixture
def signed_in(console_both):
    scenarios.seed(console_both.databases)
    console_both.sign_in("tove")
    return console_both


def test_csv_of_the_filtered_list(signed_in):
    response = signed_in.get("/console/conversations.csv?escalated=yes&language=en")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="conversations-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["conversation_id"] for r in rows] == ["conv-late-night-0006", "conv-fellback-en-003"]
    lost = rows[1]
    assert lost["escalated"] == "yes" and lost["fell_back"] == "yes" and lost["resolved"] == "no"
    assert lost["tags"] == "training" and lost["language"] == "en"
    assert lost["started"].startswith("2024-03-12T10:00") and lost["started"].endswith("+01:00")
    assert float(lost["lowest_confidence"]) < 0.5


def test_csv_of_everything_and_no_formulas(signed_in):
    conversation = Conversation("conv-formula-0000001", 1_720_000_000)
    conversation.user("=HYPERLINK(\"http://x\")", "out_of_scope", 0.6)
    store(signed_in.databases, [conversation])
    text = signed_in.get("/console/conversations.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7
    assert rows[0]["first_message"] == "'=HYPERLINK(\"http://x\")"


def test_json_lines_of_the_filtered_list(signed_in):
    response = signed_in.get("/console/conversations.jsonl?tag=training")
    assert response.mimetype == "application/x-ndjson"
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [r["conversation_id"] for r in records] == ["conv-fellback-en-003", "conv-denied-sv-00002"]
    assert records[1]["errors"] == ["voucher_series_not_manual"] and records[1]["reviewed_by"] == "anna"
    assert records[1]["escalated"] is True and records[1]["tags"] == ["training"]


def test_exports_are_audited(signed_in):
    signed_in.get("/console/conversations.csv?language=sv")
    signed_in.post("/console/logout")
    signed_in.sign_in("adam")
    audit = signed_in.get("/console/audit").get_data(as_text=True)
    assert "exported csv" in audit and "language" in audit


def read_story(text):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    [story] = YAMLStoryReader(domain).read_from_string(text)
    return story.events


def test_a_conversation_as_a_test_story_that_rasa_reads(signed_in):
    response = signed_in.get("/console/conversations/conv-resolved-en-0001/story.yml")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="story-conv-resolved-en-0001.yml"'
    text = response.get_data(as_text=True)
    assert "story: conversation conv-resolved-en-0001" in text
    events = read_story(text)
    users = [e for e in events if isinstance(e, UserUttered)]
    assert [u.intent_name for u in users] == ["greet", "account_not_active", "affirm"]
    assert users[1].text == "it says account 1930 is not active??"
    assert [(e["entity"], e["value"]) for e in users[1].entities] == [("account", "1930")]
    actions = [e.action_name for e in events if isinstance(e, ActionExecuted)]
    assert "action_give_fix" in actions and "action_handle_feedback" in actions
    assert "utter_greet" in actions
    slots = {e.key: e.value for e in events if isinstance(e, SlotSet)}
    assert slots["current_error"] == "account_not_active" and slots["account"] == "1930"


def test_a_story_of_an_escalation_and_of_masked_messages(signed_in):
    for cid in ("conv-denied-sv-00002", "conv-fellback-en-003", "conv-private-en-0005"):
        text = signed_in.get(f"/console/conversations/{cid}/story.yml").get_data(as_text=True)
        events = read_story(text)
        assert any(isinstance(e, UserUttered) for e in events)
    private = signed_in.get("/console/conversations/conv-private-en-0005/story.yml").get_data(as_text=True)
    assert "070-123" not in private and "(phone)" in private
    [user] = [e for e in read_story(private) if isinstance(e, UserUttered)]
    assert user.intent_name == "period_closed"
    assert ("period_date", "2024-12-31") in [(e["entity"], e["value"]) for e in user.entities]


@pytest.mark.parametrize("text,entities,expected", [
    ("account 1930", [{"entity": "account", "value": "1930", "start": 8, "end": 12}],
     "account [1930](account)"),
    ("fortnox says 1930", [{"entity": "accounting_system", "value": "Fortnox", "start": 0, "end": 7},
                           {"entity": "account", "value": "1930", "start": 99, "end": 103}],
     '[fortnox]{"entity": "accounting_system", "value": "Fortnox"} says [1930](account)'),
    ("manuell (F) F", [{"entity": "series", "value": "F", "start": 9, "end": 10}],
     "manuell ([F](series)) F"),
    ("nothing here", [{"entity": "account", "value": "1930"}], "nothing here"),
    ("hej", [{"entity": "language", "value": "sv", "start": 0, "end": 3}], "hej"),
])
def test_annotations(text, entities, expected):
    assert annotate(text, entities) == expected


def test_both_exports_end_with_how_the_handoff_closed(signed_in):
    from tests.console.test_views import resolved_by_an_agent

    conversation_id, ticket_id = resolved_by_an_agent(signed_in)
    text = signed_in.get("/console/conversations.csv").get_data(as_text=True)
    header = text.splitlines()[0].split(",")
    assert header[:14] == [
        "conversation_id", "started", "last_activity", "language", "errors", "escalated",
        "resolved", "fell_back", "lowest_confidence", "customer_messages", "assistant_messages",
        "tags", "reviewed_by", "first_message"]  # what existing consumers read, unchanged
    assert header[14:] == ["handoff_ticket", "handoff_status", "handoff_closed_by",
                           "handoff_closed_at", "handoff_resolved_error", "handoff_resolution_note"]
    rows = {r["conversation_id"]: r for r in csv.DictReader(io.StringIO(text))}
    row = rows[conversation_id]
    assert row["resolved"] == "yes" and row["fell_back"] == "no"
    assert row["handoff_ticket"] == str(ticket_id) and row["handoff_status"] == "resolved"
    assert row["handoff_closed_by"] == "anna" and row["handoff_closed_at"].startswith("20")
    assert row["handoff_resolved_error"] == "period_closed"
    assert row["handoff_resolution_note"] == \
        "Account was closed by the bank; =reopened it, told [e-mail]"
    assert rows["conv-resolved-en-0001"]["handoff_ticket"] == ""
    records = {r["conversation_id"]: r for r in map(
        json.loads, signed_in.get("/console/conversations.jsonl").get_data(as_text=True).splitlines())}
    record = records[conversation_id]
    assert record["handoff_ticket"] == ticket_id and record["handoff_closed_by"] == "anna"
    assert record["handoff_resolution_note"].endswith("told [e-mail]")
    assert record["handoff_resolved_error"] == "period_closed"
    assert records["conv-resolved-en-0001"]["handoff_ticket"] is None
