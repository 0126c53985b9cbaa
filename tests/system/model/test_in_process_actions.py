"""Actions run in the Rasa process (bot/runtime/in_process_actions.py) answer exactly as the
action server does over HTTP.

Every custom action call of the two recorded conversations and of the unrecorded events
(a handoff, a form, a revert, a restart) is made, in order, to a real action server
(bot/ops/action_server.py) and to the in-process endpoint, each with a database of its own:
the same tickets are opened on both sides, so every reply must be the same, rejections
included.
"""
from __future__ import annotations

import json
import zlib

import pytest
import requests
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError

from bot.ops.action_server import TOKEN_HEADER
from bot.ops.launcher import Assistant
from bot.runtime.in_process_actions import InProcessActions
from bot.settings import PROJECT_ROOT
from tests.support.assistants import TEST_OUTPUT
from tests.support.ports import free_ports, start_on_free_ports
from tests.support.recorded import recorded_events, unrecorded_events

# One conversation id per conversation, so that each opens its own tickets on both sides.
SENDERS = {"mixed-200": "3f2b8c0e9d1a4b7c", "swedish-90": "9a7e51c3d0b24f68",
           "unrecorded": "c4d9e2a0f7b13856"}
TOKEN = "in-process-equivalence-token"
# Events of a call's tracker: as many as a turn's window holds at most, a call's size.
HISTORY = 60
# Both sides: the team always open (no answer depends on the wall clock).
HOURS = {"HANDOFF_HOURS": "always"}


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    database = tmp_path_factory.mktemp("action-server") / "assistant.db"

    def start(ports):
        assistant = Assistant(env={
            **HOURS, "ASSISTANT_PROFILE": "embedded", "ACTIONS_IN_PROCESS": "0",
            "ACTION_PORT": str(ports[0]), "ACTION_SERVER_TOKEN": TOKEN,
            "DATABASE_URL": f"sqlite:///{database}",
        }, log_dir=TEST_OUTPUT / "in-process-actions")
        try:
            assistant.start_process("action server")
        except BaseException:
            assistant.stop()
            raise
        return assistant

    assistant = start_on_free_ports(lambda: free_ports(1), start)
    yield f"http://127.0.0.1:{assistant.config.action_port}/webhook"
    assistant.stop()


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """For the whole module, as the action server's database is: tickets are numbered."""
    database = tmp_path_factory.mktemp("in-process") / "assistant.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in HOURS.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
        # As the launcher writes it (bot/ops/launcher.py endpoints_file).
        yield InProcessActions("actions", enable_selective_domain=True)


def custom_action_calls(domain, sender, events):
    """Rasa's call (``RemoteAction._action_call_format``) for every custom action the
    events ran, with the tracker as it was just before (its last HISTORY events, as a turn
    sends its window: bot/runtime/tracker_window.py)."""
    endpoint = InProcessActions("actions", enable_selective_domain=True)
    tracker = DialogueStateTracker(sender, domain.slots, max_event_history=HISTORY)
    custom = set(domain.user_actions) - set(domain.responses)
    for event in events:
        if isinstance(event, ActionExecuted):
            names = [event.action_name] if event.action_name in custom else []
            if event.action_name in domain.form_names:
                names.append(f"validate_{event.action_name}")  # the form's validation
            for name in names:
                yield name, RemoteAction(name, endpoint)._action_call_format(tracker, domain)
        tracker.update(event)


def over_http(url, call):
    # Deflated, as Rasa sends a large call (a whole recorded conversation is over 64 KB).
    body = zlib.compress(json.dumps(call).encode())
    response = requests.post(url, data=body, timeout=30, headers={
        TOKEN_HEADER: TOKEN, "Content-Type": "application/json", "Content-Encoding": "deflate"})
    return response.status_code, response.json()


async def in_this_process(endpoint, call):
    try:
        return 200, await endpoint.request(json=call, method="post")
    except ClientResponseError as refused:
        return refused.status, json.loads(refused.text)


@pytest.mark.parametrize("conversation", ["mixed-200", "swedish-90", "unrecorded"])
async def test_every_call_gets_the_action_servers_reply(conversation, domain, action_server,
                                                        in_process):
    events = unrecorded_events() if conversation == "unrecorded" else recorded_events(conversation)
    calls = list(custom_action_calls(domain, SENDERS[conversation], events))
    assert calls
    answered = set()
    for number, (name, call) in enumerate(calls):
        expected = over_http(action_server, call)
        assert await in_this_process(in_process, call) == expected, (number, name)
        answered.add((name, expected[0]))
    if conversation == "mixed-200":  # the conversation reaches every kind of action
        assert {name for name, _ in answered} >= {
            "action_give_fix", "action_escalate", "action_handle_feedback",
            "action_handle_fallback", "action_greet", "action_answer_out_of_scope",
            "validate_email_form"}
