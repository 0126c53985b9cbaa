"""The NLU inbox from a seeded console database: sources, grouping, decisions."""
import pytest

from bot.trainer.datafile import ExampleRefused, TrainingData
from bot.trainer.inbox import Inbox
from bot.trainer.text import group_near_duplicates, normalise, similarity, ngrams
from tests.support.trainer_data import (
    ESCALATED_EN, FLAGGED_EN, KNOWN_EN, LOW_SV, MASKED_EN, MASKED_STORED, UNSURE_EN, UNSURE_EN_NEAR,
)


def make_inbox(seeded, project, session):
    return Inbox(session, seeded.tracker, project, threshold=0.7, tags=("training",), days=30)


@pytest.fixture
def session(seeded):
    with seeded.sessions() as opened:
        yield opened


def by_text(items):
    return {item.text: item for item in items}


def test_the_inbox_has_what_the_assistant_should_learn(seeded, project, session):
    items = by_text(make_inbox(seeded, project, session).items())
    expected = {UNSURE_EN, LOW_SV, ESCALATED_EN, FLAGGED_EN, MASKED_STORED}
    assert expected <= set(items)
    # Anything else is from the escalated conversation (how the customer asked for a person).
    assert all(items[t].reasons == ["escalated"] for t in set(items) - expected)
    unsure = items[UNSURE_EN]
    # The near-duplicate joined the group; the classifier's guess is what "accept" teaches.
    assert sorted(unsure.texts) == sorted([UNSURE_EN, UNSURE_EN_NEAR])
    assert unsure.predicted == "export_failed" and unsure.confidence == pytest.approx(0.38)
    assert unsure.reasons == ["fell back"] and unsure.language == "en"
    assert items[LOW_SV].reasons == ["low confidence"] and items[LOW_SV].language == "sv"
    assert items[ESCALATED_EN].reasons == ["escalated"]
    assert items[FLAGGED_EN].reasons == ["flagged"]
    assert items[MASKED_STORED].masked and MASKED_EN not in items
    assert KNOWN_EN not in items  # already training data
    # The most frequent group comes first.
    assert make_inbox(seeded, project, session).items()[0].text == UNSURE_EN


def test_accept_writes_the_predicted_intent_and_the_group_stays_decided(seeded, project, session):
    inbox = make_inbox(seeded, project, session)
    item = by_text(inbox.items())[UNSURE_EN]
    added = inbox.decide(item, "accept", "tove")
    session.commit()
    assert added.intent == "export_failed" and added.path.name == "en.yml"
    assert f"    - {UNSURE_EN}\n" in added.path.read_text(encoding="utf-8")
    remaining = by_text(inbox.items())
    assert UNSURE_EN not in remaining and UNSURE_EN_NEAR not in remaining


def test_relabel_to_another_intent_in_the_messages_language(seeded, project, session):
    inbox = make_inbox(seeded, project, session)
    item = inbox.find(by_text(inbox.items())[LOW_SV].id[:6])
    added = inbox.decide(item, "relabel", "tove", intent="export_failed")
    session.commit()
    assert added.path.name == "sv.yml" and added.intent == "export_failed"
    assert TrainingData(project).index()[normalise(LOW_SV)][0] == "export_failed"


def test_dismissed_stays_dismissed(seeded, project, session):
    inbox = make_inbox(seeded, project, session)
    item = by_text(inbox.items())[FLAGGED_EN]
    assert inbox.decide(item, "dismiss", "tove") is None
    session.commit()
    assert FLAGGED_EN not in by_text(make_inbox(seeded, project, session).items())
    assert FLAGGED_EN not in TrainingData(project).index()


def test_masked_messages_cannot_become_training_data(seeded, project, session):
    inbox = make_inbox(seeded, project, session)
    item = by_text(inbox.items())[MASKED_STORED]
    for action in ("accept", "relabel"):
        with pytest.raises(ExampleRefused, match="masked"):
            inbox.decide(item, action, "tove", intent="request_human")
    assert "[e-mail]" not in (project.nlu_dir / "en.yml").read_text(encoding="utf-8")


def test_unknown_and_ambiguous_ids(seeded, project, session):
    inbox = make_inbox(seeded, project, session)
    with pytest.raises(KeyError):
        inbox.find("zzzzzz")
    with pytest.raises(KeyError):
        inbox.find("a")  # too short to mean anything


def test_old_conversations_are_left_out(seeded, project, session):
    inbox = Inbox(session, seeded.tracker, project, days=30)
    import time

    assert inbox.items(now=time.time() + 40 * 86400) == []


def test_near_duplicate_grouping():
    texts = ["account 1930 is not active", "Account 2440 is not active!", "konto 1930 är inte aktivt",
             "the period is closed", "The period is closed.", "zzkj hhhq"]
    groups = group_near_duplicates(texts, lambda t: t)
    assert groups == [texts[:2], [texts[2]], texts[3:5], [texts[5]]]
    assert similarity(ngrams("abc def"), ngrams("abc def")) == 1.0
    assert similarity(ngrams("period closed"), ngrams("invalid refresh token")) < 0.2


def test_the_inbox_and_decisions_on_both_databases(database_url, tmp_path, project):
    from bot.console.databases import Databases
    from tests.support.databases import create_events_table
    from tests.support.trainer_data import seed

    tracker = f"sqlite:///{tmp_path / 'tracker.db'}" if database_url.startswith("sqlite") else database_url
    create_events_table(tracker)
    databases = Databases.open(database_url, tracker)
    try:
        seed(databases)
        with databases.sessions() as session:
            inbox = make_inbox(databases, project, session)
            items = by_text(inbox.items())
            assert {UNSURE_EN, LOW_SV, ESCALATED_EN, FLAGGED_EN, MASKED_STORED} <= set(items)
            inbox.decide(items[FLAGGED_EN], "dismiss", "tove")
            inbox.decide(items[UNSURE_EN], "relabel", "tove", intent="receipt_not_connected")
            session.commit()
        with databases.sessions() as session:
            left = by_text(make_inbox(databases, project, session).items())
            assert FLAGGED_EN not in left and UNSURE_EN not in left and LOW_SV in left
    finally:
        databases.dispose()


def test_what_the_customer_told_the_agent_stays_out_of_the_inbox(seeded, project, session):
    import random

    from bot.ops.sample_data import Conversation, store
    from tests.support.trainer_data import NOW

    c = Conversation("trainer-to-an-agent-08", NOW - 600, "en", random.Random(8))
    c.fallback_user("my sie file will not go through", best_guess="export_failed", guess=0.3)
    c.ask_for_human(ticket_id=9)
    c._add({"event": "pause"})
    c.fallback_user("hello anna, is the file broken", best_guess="export_failed", guess=0.2)
    store(seeded, [c])
    items = by_text(make_inbox(seeded, project, session).items())
    assert "my sie file will not go through" in items
    assert "hello anna, is the file broken" not in items
