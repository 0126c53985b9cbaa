"""The action server's own checks (bot/ops/action_server.py); the refusals over HTTP are
in tests/system/probe/test_rasa_side.py."""
import json
import zlib

import yaml
from sanic.compat import Header
from sanic.request import Request

from bot.ops.action_server import (
    MAX_UNPACKED_BYTES,
    TOKEN_HEADER,
    action_call,
    call_problem,
    refusal,
    token_matches,
)
from bot.ops.launcher import endpoints_file
from bot.settings import PROJECT_ROOT, settings

SENDER = "3f2b8c0e9d1a4b7c"


def test_only_the_token_matches():
    assert token_matches("s3cret-token", "s3cret-token")
    assert not token_matches("s3cret-toke", "s3cret-token")
    assert not token_matches(None, "s3cret-token")
    assert not token_matches("", "")  # no token configured: nothing matches


def test_a_call_is_read_plain_or_deflated_and_a_bomb_is_not_unpacked():
    call = {"tracker": {"sender_id": SENDER}}
    assert action_call(json.dumps(call).encode(), None) == call
    assert action_call(zlib.compress(json.dumps(call).encode()), "deflate") == call
    bomb = zlib.compress(b" " * (MAX_UNPACKED_BYTES + 1))
    assert action_call(bomb, "deflate") is None
    assert action_call(b"not json", None) is None
    assert action_call(b"[" * 5000, None) is None


def test_conversation_ids_are_checked_like_the_channels_do():
    assert call_problem({"tracker": {"sender_id": SENDER}}) is None
    for sender in ("<b>x</b>", SENDER + "\n", "aaaaaaaaaaaaaaaa", None):
        assert "random conversation id" in call_problem({"tracker": {"sender_id": sender}})
    assert call_problem({"next_action": "action_escalate"})
    assert call_problem([])


def test_rasa_sends_the_token_from_its_environment_never_from_a_file(tmp_path):
    written = yaml.safe_load(endpoints_file(settings({}), tmp_path).read_text())
    assert written["action_endpoint"]["headers"] == {TOKEN_HEADER: "${ACTION_SERVER_TOKEN}"}
    assert "${ACTION_SERVER_TOKEN}" in (PROJECT_ROOT / "endpoints.yml").read_text()


def _request(body: bytes, headers: dict) -> Request:
    """A request as Sanic hands it to the middleware (no app or transport needed)."""
    request = Request(b"/webhook", Header(headers), "1.1", "POST", None, None)
    request.body = body
    return request


def test_a_plain_call_that_passes_is_parsed_once_for_rasa_sdk():
    call = {"next_action": "action_escalate", "tracker": {"sender_id": SENDER, "events": []}}
    request = _request(json.dumps(call).encode(), {TOKEN_HEADER: "t"})
    assert refusal(request, "t") is None
    assert request.parsed_json == call
    request.body = b"changed after the check"
    assert request.json == call  # rasa-sdk's webhook reads request.json: not parsed again


def test_a_deflated_call_is_left_to_rasa_sdk_and_refusals_carry_no_parsed_call():
    call = {"tracker": {"sender_id": SENDER}}
    deflated = _request(zlib.compress(json.dumps(call).encode()),
                        {TOKEN_HEADER: "t", "Content-Encoding": "deflate"})
    assert refusal(deflated, "t") is None and deflated.parsed_json is None
    forged = _request(json.dumps({"tracker": {"sender_id": "<b>x</b>"}}).encode(), {TOKEN_HEADER: "t"})
    assert refusal(forged, "t").status == 400 and forged.parsed_json is None
    assert refusal(_request(json.dumps(call).encode(), {TOKEN_HEADER: "wrong"}), "t").status == 401
