"""Which customer messages were said to a person (an agent had, or was about to take, the
chat): one pure function over Rasa's events, as Rasa's tracker pauses and resumes."""
from bot.storage.to_a_person import paused_after, paused_at_the_end, said_to_a_person


def user(text):
    return {"event": "user", "text": text}


def test_messages_between_pause_and_resume_are_said_to_a_person():
    events = [user("my export failed"), {"event": "pause"}, user("hello?"),
              {"event": "bot", "text": "Anna joined"}, user("are you there"),
              {"event": "resume"}, user("thanks")]
    assert said_to_a_person(events) == [False, False, True, False, True, False, False]


def test_a_new_session_or_a_restart_unpauses_as_in_rasa():
    for unpause in ("session_started", "restart"):
        events = [{"event": "pause"}, user("a"), {"event": unpause}, user("b")]
        assert said_to_a_person(events) == [False, True, False, False]


def test_the_state_before_the_events_carries_over():
    assert said_to_a_person([user("still with Anna")], paused=True) == [True]
    assert paused_after([{"event": "pause"}, user("x")]) is True
    assert paused_after([user("x")], paused=True) is True
    assert paused_after([{"event": "pause"}, {"event": "resume"}]) is False
    assert paused_after([]) is False


def test_a_second_pause_changes_nothing():
    events = [{"event": "pause"}, {"event": "pause"}, user("a"), {"event": "resume"}, user("b")]
    assert said_to_a_person(events) == [False, False, True, False, False]


def test_reading_back_from_the_newest_event_gives_the_same_state():
    import itertools

    kinds = ["user", "bot", "pause", "resume", "restart", "session_started", "action"]
    for length in range(5):
        for sequence in itertools.product(kinds, repeat=length):
            events = [{"event": kind} for kind in sequence]
            assert paused_at_the_end(reversed(sequence)) is paused_after(events), sequence
