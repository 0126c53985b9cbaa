"""Actions run in the Rasa process (bot/runtime/in_process_actions.py): the endpoint put in
place where endpoints.yml asks for it, and every way an action call can go wrong answered
as the action server (behind nginx) answered it.  That the replies equal the action
server's on the recorded conversations is tested in
tests/system/model/test_in_process_actions.py."""
import copy
import logging

import pytest
import yaml
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.runtime import in_process_actions
from bot.runtime.action_calls import PACKAGE_KEY
from bot.runtime.in_process_actions import InProcessActions, in_process_if_asked

SENDER = "3f2b8c0e9d1a4b7c"
FAILING = "tests.support.failing_actions"


def test_only_an_endpoint_that_names_a_package_is_replaced():
    assert in_process_if_asked(None) is None
    remote = EndpointConfig(url="http://127.0.0.1:5055/webhook", enable_selective_domain=True)
    assert in_process_if_asked(remote) is remote
    asked = EndpointConfig(**{PACKAGE_KEY: "actions", "enable_selective_domain": True})
    endpoint = in_process_if_asked(asked)
    assert isinstance(endpoint, InProcessActions)
    assert endpoint.package == "actions" and endpoint.url is None
    assert endpoint.kwargs == {"enable_selective_domain": True}  # Rasa reads it there
    assert isinstance(endpoint.copy(), InProcessActions) and endpoint.copy().kwargs == endpoint.kwargs


def test_rasa_reads_the_endpoint_from_endpoints_yml(tmp_path):
    in_process_actions.apply()
    in_process_actions.apply()  # twice: Rasa's reader is kept, not ours wrapped in ours
    assert in_process_actions.rasas_read_endpoints is not in_process_actions.read_endpoints
    asked, remote = tmp_path / "asked.yml", tmp_path / "remote.yml"
    asked.write_text(yaml.safe_dump({"action_endpoint": {PACKAGE_KEY: "actions"}}))
    remote.write_text(yaml.safe_dump({"action_endpoint": {"url": "http://127.0.0.1:1/webhook"}}))
    assert isinstance(AvailableEndpoints.read_endpoints(str(asked)).action, InProcessActions)
    read = AvailableEndpoints.read_endpoints(str(remote)).action
    assert type(read) is EndpointConfig and read.url == "http://127.0.0.1:1/webhook"


@pytest.fixture
def tracker(domain):
    tracker = DialogueStateTracker(SENDER, domain.slots)
    tracker.update(SlotSet("language", "en"))
    tracker.update(UserUttered("Account 1930 is not active", {"name": "error_account_inactive"}))
    return tracker


async def run_action(name, tracker, domain):
    """The action as Rasa's processor runs a custom action (RemoteAction)."""
    action = RemoteAction(name, InProcessActions(FAILING, enable_selective_domain=True))
    return await action.run(CollectingOutputChannel(),
                            TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain)


async def test_an_action_that_raises_tells_the_customer_as_nginx_did(tracker, domain, caplog):
    with caplog.at_level(logging.ERROR, logger=in_process_actions.__name__):
        events = await run_action("action_that_raises", tracker, domain)
    assert [type(e) for e in events] == [BotUttered]
    assert "something went wrong on my side" in events[0].text  # not "half an answer"
    assert events[0].metadata["utter_action"] == "utter_action_server_down"
    assert "the ticket database went away" in caplog.text  # with its traceback


async def test_a_rejection_is_rasas_rejection(tracker, domain):
    with pytest.raises(ActionExecutionRejection, match="not for this message"):
        await run_action("action_that_rejects", tracker, domain)


async def test_an_unknown_action_fails_as_a_404_of_the_action_server(tracker, domain):
    with pytest.raises(RasaException, match="Failed to execute custom action 'action_nobody'") as e:
        await run_action("action_nobody", tracker, domain)
    assert e.value.__cause__.status == 404


async def test_an_actions_reply_is_read_as_rasa_reads_the_action_servers(tracker, domain):
    state = copy.deepcopy(tracker.current_state())
    events = await run_action("action_that_edits_its_tracker", tracker, domain)
    assert [(type(e), getattr(e, "text", None)) for e in events] == [(BotUttered, "done"),
                                                                   (SlotSet, None)]
    assert events[1].key == "language" and events[1].value == "sv"
    assert tracker.current_state() == state


async def test_an_action_gets_a_copy_made_of_json_values_as_over_http():
    call = {"next_action": "action_that_edits_its_tracker", "tracker": {
        "sender_id": SENDER, "slots": {"language": "en", "values": ("a", "b")}, "events": [],
        "latest_message": {"text": "hi"}, "latest_action": {}, "active_loop": {},
        "followup_action": None, "paused": False}}
    sent = copy.deepcopy(call)
    reply = await InProcessActions(FAILING).request(json=call)
    assert call == sent
    assert reply == {"events": [{"event": "slot", "timestamp": None, "name": "language",
                                 "value": "sv"}],
                     "responses": [{"text": "done", "buttons": [], "elements": [],
                                    "custom": {}, "template": None, "response": None,
                                    "image": None, "attachment": None}]}

