"""Summaries, the filtered list, annotations and staff accounts, on SQLite and PostgreSQL."""
import datetime as dt

import pytest

from bot.storage.annotations import AnnotationRepository, AuditRepository, InvalidTag
from bot.storage.conversations import (
    ConversationFilter,
    ConversationRepository,
    summarise,
)
from bot.storage.staff import InvalidUser, StaffRepository
from tests.support import scenarios
from tests.support.scenarios import STOCKHOLM


@pytest.fixture
def seeded(databases):
    return scenarios.seed(databases)


@pytest.fixture
def session(databases):
    with databases.sessions() as session:
        yield session


def ids(rows):
    return [row.conversation_id for row in rows]


def listed(session, **filters):
    rows, total = ConversationRepository(session, STOCKHOLM).page(ConversationFilter(**filters), 1, 100)
    assert total == len(rows)
    return ids(rows)


# -- the summary of one conversation

def test_summary_of_a_resolved_conversation():
    conversation = scenarios.build()["resolved"]
    row = summarise(conversation.sender_id, conversation.events)
    assert row["errors"] == ",account_not_active,"
    assert row["last_error"] == "account_not_active"
    assert row["resolved"] is True and row["escalated"] is False and row["fell_back"] is False
    assert row["language"] == "en"
    assert row["user_messages"] == 3  # hi, the error, /affirm
    assert row["first_message"] == conversation.events[3]["text"]
    assert "account 1930" in row["search_text"] and "/affirm" not in row["search_text"]
    assert row["first_ts"] < row["last_ts"]


def test_summary_of_an_escalation_after_no():
    row = summarise("x", scenarios.build()["denied"].events)
    assert row["escalated"] is True and row["resolved"] is False
    assert row["language"] == "sv"
    assert row["min_confidence"] == pytest.approx(0.72)


def test_a_fallback_counts_the_classifiers_best_guess_as_its_confidence():
    row = summarise("x", scenarios.build()["lost"].events)
    assert row["fell_back"] is True and row["escalated"] is True
    assert row["min_confidence"] < 0.5
    assert row["errors"] == ""


@pytest.mark.parametrize("ranking,expected", [
    # The classifier was unsure: its best guess is the confidence.
    ([{"name": "nlu_fallback", "confidence": 0.5}, {"name": "deny", "confidence": 0.31}], 0.31),
    # Keyboard mash the classifier was sure of (the unknown-words check caught it): 0.5.
    ([{"name": "nlu_fallback", "confidence": 0.5}, {"name": "nlu_fallback", "confidence": 0.0},
      {"name": "affirm", "confidence": 0.87}], 0.5),
])
def test_the_confidence_of_a_fallback(ranking, expected):
    from bot.ops.sample_data import Conversation

    conversation = Conversation("x")
    event = conversation.user("zzkj hhhq", "nlu_fallback", 0.5)
    event["parse_data"]["intent_ranking"] = ranking
    assert summarise("x", conversation.events)["min_confidence"] == pytest.approx(expected)


def test_no_events_no_summary():
    assert summarise("x", []) is None


# -- the list and its filters

def test_newest_first(seeded, session):
    assert listed(session) == [
        "conv-late-night-0006", "conv-private-en-0005", "conv-outofscope-sv-4",
        "conv-fellback-en-003", "conv-denied-sv-00002", "conv-resolved-en-0001"]


def test_pages(seeded, session):
    repository = ConversationRepository(session, STOCKHOLM)
    first, total = repository.page(ConversationFilter(), 1, 4)
    second, _ = repository.page(ConversationFilter(), 2, 4)
    assert total == 6 and len(first) == 4 and len(second) == 2
    assert ids(first) + ids(second) == listed(session)
    assert repository.page(ConversationFilter(), 3, 4)[0] == []


@pytest.mark.parametrize("filters,expected", [
    ({"error": "account_not_active"}, ["conv-resolved-en-0001"]),
    ({"error": "period_closed"}, ["conv-private-en-0005"]),
    ({"language": "sv"}, ["conv-outofscope-sv-4", "conv-denied-sv-00002"]),
    ({"escalated": True}, ["conv-late-night-0006", "conv-fellback-en-003", "conv-denied-sv-00002"]),
    ({"escalated": False}, ["conv-private-en-0005", "conv-outofscope-sv-4", "conv-resolved-en-0001"]),
    ({"resolved": True}, ["conv-resolved-en-0001"]),
    ({"fell_back": True}, ["conv-fellback-en-003"]),
    ({"confidence_below": 0.5}, ["conv-fellback-en-003"]),
    ({"confidence_below": 0.8}, ["conv-fellback-en-003", "conv-denied-sv-00002"]),
    ({"tag": "training"}, ["conv-fellback-en-003", "conv-denied-sv-00002"]),
    ({"tag": "good answer"}, ["conv-resolved-en-0001"]),
    ({"reviewed": True}, ["conv-denied-sv-00002"]),
    ({"text": "1930"}, ["conv-resolved-en-0001"]),
    ({"text": "VERIFIKATIONSSERIEN är"}, ["conv-denied-sv-00002"]),
    ({"text": "räntan"}, ["conv-outofscope-sv-4"]),
    ({"text": "100%"}, []),
    ({"text": "a_b"}, []),
])
def test_each_filter(seeded, session, filters, expected):
    outcome = listed(session, **filters)
    if "confidence_below" in filters and filters["confidence_below"] == 0.8:
        # out-of-scope and human-request messages have random confidences below 1
        assert set(expected) <= set(outcome)
    else:
        assert outcome == expected


def test_filters_combine(seeded, session):
    assert listed(session, tag="training", reviewed=False) == ["conv-fellback-en-003"]
    assert listed(session, tag="training", language="sv", escalated=True) == ["conv-denied-sv-00002"]
    assert listed(session, escalated=True, fell_back=False, language="en") == ["conv-late-night-0006"]
    assert listed(session, resolved=True, escalated=True) == []
    assert listed(session, text="account", error="account_not_active", reviewed=False,
                  date_from=dt.date(2024, 3, 10), date_to=dt.date(2024, 3, 10)) == ["conv-resolved-en-0001"]


def test_date_range_is_in_the_consoles_time_zone(seeded, session):
    # 23:30 in Stockholm on the 13th is 22:30 UTC: still the 13th here.
    assert listed(session, date_from=dt.date(2024, 3, 13), date_to=dt.date(2024, 3, 13)) == [
        "conv-late-night-0006", "conv-private-en-0005"]
    assert listed(session, date_from=dt.date(2024, 3, 14)) == []
    assert listed(session, date_to=dt.date(2024, 3, 10)) == ["conv-resolved-en-0001"]
    assert listed(session, date_from=dt.date(2024, 3, 11), date_to=dt.date(2024, 3, 12)) == [
        "conv-outofscope-sv-4", "conv-fellback-en-003", "conv-denied-sv-00002"]


def test_stored_messages_are_masked_and_searchable_only_masked(seeded, session):
    assert listed(session, text="070-123") == []
    assert listed(session, text="anna@example.com") == []
    assert listed(session, text="[phone]") == ["conv-private-en-0005"]
    row = ConversationRepository(session).get("conv-private-en-0005")
    assert "070" not in row.first_message and "[e-mail]" in row.first_message


def test_iterate_goes_through_everything_in_order(seeded, session):
    repository = ConversationRepository(session, STOCKHOLM)
    assert ids(repository.iterate(ConversationFilter(), batch=2)) == listed(session)
    assert ids(repository.iterate(ConversationFilter(language="sv"), batch=1)) == listed(session, language="sv")


def test_filter_from_query_string_and_back():
    args = {"date_from": "2024-03-01", "date_to": "2024-03-31", "error": "period_closed",
            "language": "sv", "escalated": "yes", "resolved": "no", "fell_back": "no",
            "confidence_below": "0.6", "tag": "Training", "reviewed": "yes", "q": "konto 1930"}
    parsed, problems = ConversationFilter.from_args(args)
    assert problems == []
    assert parsed.escalated is True and parsed.resolved is False and parsed.tag == "training"
    assert parsed.to_args() == {**args, "tag": "training"}
    bad, problems = ConversationFilter.from_args(
        {"date_from": "yesterday", "error": "nope", "escalated": "maybe", "confidence_below": "2",
         "language": "de"})
    assert len(problems) == 5 and not bad.active


# -- tags, notes, reviews, and who did them

def test_annotations_are_recorded_with_who_did_them(seeded, session):
    cid = "conv-private-en-0005"
    annotations = AnnotationRepository(session, "tove")
    assert annotations.add_tag(cid, "  Needs  Fix ") == "needs fix"
    annotations.add_tag(cid, "needs fix")  # twice is once
    note = annotations.add_note(cid, "Customer wrote 19811218-9876 in the chat")
    annotations.set_reviewed(cid, True)
    session.commit()
    assert [t.tag for t in annotations.tags(cid)] == ["needs fix"]
    assert note.body == "Customer wrote [personnummer] in the chat"
    assert annotations.review(cid).reviewed_by == "tove"
    annotations.set_reviewed(cid, False)
    annotations.remove_tag(cid, "needs fix")
    session.commit()
    history = [(e.username, e.action) for e in AuditRepository(session).for_conversation(cid)]
    assert history == [("tove", "tag_added"), ("tove", "note_added"), ("tove", "marked_reviewed"),
                       ("tove", "unmarked_reviewed"), ("tove", "tag_removed")]
    with pytest.raises(InvalidTag):
        annotations.add_tag(cid, "<script>")
    with pytest.raises(ValueError):
        annotations.add_note(cid, "   ")


def test_tag_counts(seeded, session):
    assert ConversationRepository(session).all_tags() == [("good answer", 1), ("training", 2)]


# -- staff accounts

def test_staff_accounts(session):
    staff = StaffRepository(session)
    user = staff.create("Bo.Ek", "long enough password", "agent")
    session.commit()
    assert user.username == "bo.ek" and user.password_hash.startswith("$argon2id$")
    assert "long enough" not in user.password_hash
    assert staff.authenticate("BO.EK", "long enough password").id == user.id
    assert staff.authenticate("bo.ek", "wrong password!!") is None
    assert staff.authenticate("nobody", "long enough password") is None
    staff.set_active(user, False)
    assert staff.authenticate("bo.ek", "long enough password") is None
    with pytest.raises(InvalidUser):
        staff.create("bo.ek", "long enough password", "agent")
    with pytest.raises(InvalidUser):
        staff.create("x y", "long enough password", "agent")
    with pytest.raises(InvalidUser):
        staff.create("carl", "short", "agent")
    with pytest.raises(InvalidUser):
        staff.create("carl", "long enough password", "superuser")
