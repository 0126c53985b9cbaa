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
            from bot.trainer.inbox import InboxFilter

            assert [i.text for i in inbox.items(filter=InboxFilter(reason="low confidence", language="sv",
                                                                   text="KORTKÖP"))] == [LOW_SV]
            assert [i.text for i in inbox.items(filter=InboxFilter(reason="flagged"))] == [FLAGGED_EN]
            inbox.decide(items[FLAGGED_EN], "dismiss", "tove")
            inbox.decide(items[UNSURE_EN], "relabel", "tove", intent="receipt_not_connected")
            session.commit()
        with databases.sessions() as session:
            left = by_text(make_inbox(databases, project, session).items())
            assert FLAGGED_EN not in left and UNSURE_EN not in left and LOW_SV in left
    finally:
        databases.dispose()


# -- filters, search, sort (an aged inbox holds junk among real messages)

def texts_of(items):
    return [item.text for item in items]


def test_filters_by_reason_language_predicted_intent_and_text(seeded, project, session):
    from bot.trainer.inbox import InboxFilter

    inbox = make_inbox(seeded, project, session)
    assert texts_of(inbox.items(filter=InboxFilter(reason="low confidence"))) == [LOW_SV]
    assert texts_of(inbox.items(filter=InboxFilter(reason="flagged"))) == [FLAGGED_EN]
    assert set(texts_of(inbox.items(filter=InboxFilter(reason="fell back")))) == {UNSURE_EN, MASKED_STORED}
    assert ESCALATED_EN in texts_of(inbox.items(filter=InboxFilter(reason="escalated")))
    assert texts_of(inbox.items(filter=InboxFilter(language="sv"))) == [LOW_SV]
    assert set(texts_of(inbox.items(filter=InboxFilter(predicted="export_failed")))) == {UNSURE_EN, FLAGGED_EN}
    # The search finds any member of a group, whatever the case; every word must occur.
    assert texts_of(inbox.items(filter=InboxFilter(text="BOUNCING purchases!!"))) == [UNSURE_EN]
    assert texts_of(inbox.items(filter=InboxFilter(text="bouncing visma"))) == []
    assert texts_of(inbox.items(filter=InboxFilter(reason="fell back", language="sv"))) == []


def test_filters_by_date_in_the_consoles_time_zone(seeded, project, session):
    import datetime as dt

    from bot.trainer.inbox import InboxFilter
    from tests.support.trainer_data import NOW

    inbox = make_inbox(seeded, project, session)
    day = dt.timedelta(days=1)
    today = dt.datetime.fromtimestamp(NOW - 3 * 3600, dt.timezone.utc).date()  # seeded then (UTC)
    everything = texts_of(inbox.items())
    within = inbox.items(filter=InboxFilter(date_from=today - day, date_to=today + day))
    assert sorted(texts_of(within)) == sorted(everything)
    assert inbox.items(filter=InboxFilter(date_to=today - 2 * day)) == []
    assert inbox.items(filter=InboxFilter(date_from=today + 2 * day)) == []


def test_sorts_by_count_or_newest(seeded, project, session):
    from bot.trainer.inbox import InboxFilter

    inbox = make_inbox(seeded, project, session)
    by_count = inbox.items()
    assert by_count[0].text == UNSURE_EN and len(by_count[0].messages) == 2
    newest = inbox.items(filter=InboxFilter(sort="newest"))
    latest = [max(m.timestamp for m in item.messages) for item in newest]
    assert latest == sorted(latest, reverse=True) and newest[0].text == MASKED_STORED


def test_the_filter_from_and_to_query_arguments():
    import datetime as dt

    from bot.trainer.inbox import InboxFilter

    f, problems = InboxFilter.from_args({"reason": "low confidence", "language": "sv", "predicted": "greet",
                                         "date_from": "2026-01-02", "date_to": "", "q": " red  triangle ",
                                         "sort": "newest"})
    assert problems == []
    assert f == InboxFilter(reason="low confidence", language="sv", predicted="greet",
                            date_from=dt.date(2026, 1, 2), text="red  triangle", sort="newest")
    assert InboxFilter.from_args(f.to_args())[0] == f and f.active
    bad, problems = InboxFilter.from_args({"reason": "bored", "language": "de", "date_to": "yesterday",
                                           "sort": "random"})
    assert bad == InboxFilter() and len(problems) == 4 and not bad.active


def test_the_filter_narrows_the_conversations_read(seeded, project, session, monkeypatch):
    """On an aged database the events are the cost: a filter the summary rows can answer
    (reason, date, words) must narrow the conversations whose events are read."""
    from bot.trainer.inbox import InboxFilter

    inbox = make_inbox(seeded, project, session)
    read = []
    original = Inbox._messages

    def spy(self, candidates, skip):
        read.append(set(candidates))
        return original(self, candidates, skip)

    monkeypatch.setattr(Inbox, "_messages", spy)
    inbox.items(filter=InboxFilter(reason="flagged"))
    inbox.items(filter=InboxFilter(text="bokföringsprogrammet"))
    inbox.items(filter=InboxFilter(reason="escalated"))
    assert read == [{"trainer-flagged-00005"}, {"trainer-low-sv-000003"}, {"trainer-escalated-004"}]


def test_keyboard_mash_is_marked_and_cannot_be_accepted_as_the_guess(seeded, project, session):
    from tests.support.trainer_data import MASH_EN, seed_mash

    seed_mash(seeded)
    inbox = make_inbox(seeded, project, session)
    items = by_text(inbox.items())
    mash = items[MASH_EN]
    assert mash.no_known_word and mash.predicted == "goodbye"
    assert not any(items[t].no_known_word for t in (UNSURE_EN, LOW_SV, FLAGGED_EN, ESCALATED_EN))
    assert mash.as_dict()["no_known_word"] is True
    with pytest.raises(ExampleRefused, match="no word"):
        inbox.decide(mash, "accept", "tove")
    # An explicit choice is still possible.
    added = inbox.decide(mash, "relabel", "tove", intent="out_of_scope")
    assert added.intent == "out_of_scope"


def test_a_long_number_masking_missed_cannot_become_training_data(seeded, project, session):
    from tests.support.trainer_data import NUMBER_EN, seed_number

    seed_number(seeded)
    inbox = make_inbox(seeded, project, session)
    item = by_text(inbox.items())[NUMBER_EN]
    assert not item.masked  # stored as written: no pattern knows it
    before = (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
    with pytest.raises(ExampleRefused, match="personal data: it holds a number of 8 digits"):
        inbox.decide(item, "accept", "tove")
    with pytest.raises(ExampleRefused, match="personal data"):
        inbox.decide(item, "relabel", "tove", intent="export_failed")
    assert (project.nlu_dir / "en.yml").read_text(encoding="utf-8") == before
    inbox.decide(item, "dismiss", "tove")
    session.commit()
    assert NUMBER_EN not in by_text(make_inbox(seeded, project, session).items())


def test_every_conversation_of_interest_is_read_however_many(seeded, project, session):
    """The inbox used to read the newest 2,000 conversations of interest only: on an aged
    database the rest never reached a trainer.  2,050 recent conversations, each with a
    message of its own the assistant fell back on: every one is in the inbox."""
    import random

    from bot.ops.sample_data import Conversation, store
    from tests.support.trainer_data import NOW

    rng = random.Random(5)
    conversations = []
    for n in range(2050):
        c = Conversation(f"aged-inbox-{n:05d}-conversation", NOW - 86400 + n, "en", rng)
        c.fallback_user(f"my export number {n} is stuck", best_guess="export_failed", guess=0.3)
        conversations.append(c)
    store(seeded, conversations)
    inbox = make_inbox(seeded, project, session)
    texts = {t for item in inbox.items() for t in item.texts if t.endswith("is stuck")}
    assert len(texts) == 2050


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


def test_a_conversation_kept_from_an_earlier_request_is_read_again_once_it_changed(seeded, project, session):
    """The inbox keeps what it read per conversation (InboxMemory) while the summary row
    is unchanged: a new message, which the tracker store folds into that row, shows."""
    import random

    from bot.ops.sample_data import Conversation, store
    from bot.privacy import mask_event
    from bot.storage.conversations import merge_into_summary
    from bot.trainer.inbox import InboxMemory
    from tests.support.trainer_data import NOW

    def texts():
        with seeded.sessions() as fresh:
            inbox = Inbox(fresh, seeded.tracker, project, days=30, read=read)
            return {t for item in inbox.items() for t in item.texts}

    read = InboxMemory()
    c = Conversation("trainer-read-again-0001-conversation", NOW - 600, "en", random.Random(3))
    c.fallback_user("the first thing about my sie export", best_guess="export_failed", guess=0.3)
    store(seeded, [c])
    assert "the first thing about my sie export" in texts()
    before = len(c.events)
    c.fallback_user("and a second thing about the sie file", best_guess="export_failed", guess=0.3)
    new = [mask_event(e) for e in c.events[before:]]
    seeded.events.add_all((c.sender_id, e) for e in new)
    with seeded.sessions() as writing, writing.begin():
        merge_into_summary(writing, c.sender_id, new)
    assert {"the first thing about my sie export", "and a second thing about the sie file"} <= texts()
