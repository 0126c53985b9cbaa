"""The speed patch validates action server replies exactly as Rasa does."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_patches import validate_action_result

ORIGINAL = RemoteAction._validate_action_result

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "sv"}],
     "responses": [{"response": "utter_greet"}]},
    {},
]
BAD = [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"responses": ["not an object"]},
]


@pytest.mark.parametrize("reply", GOOD)
def test_valid_replies_pass_both(reply):
    action = RemoteAction("action_x", None)
    assert ORIGINAL(action, reply) is True
    assert validate_action_result(action, reply) is True


@pytest.mark.parametrize("reply", BAD)
def test_invalid_replies_fail_both_with_the_same_message(reply):
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as original:
        ORIGINAL(action, reply)
    with pytest.raises(ValidationError) as patched:
        validate_action_result(action, reply)
    assert patched.value.message == original.value.message
