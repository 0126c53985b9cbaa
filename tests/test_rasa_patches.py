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


# -- the action endpoint keeps its HTTP connections

async def _counting_server(port):
    from aiohttp import web

    connections = set()

    async def webhook(request):
        connections.add(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, connections


async def test_action_calls_reuse_one_connection_and_survive_a_server_restart(unused_tcp_port):
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_patches import apply

    apply()
    endpoint = EndpointConfig(f"http://127.0.0.1:{unused_tcp_port}/webhook")
    runner, connections = await _counting_server(unused_tcp_port)
    for _ in range(5):
        assert await endpoint.request(json={"next_action": "x"}) == {"events": [], "responses": []}
    assert len(connections) == 1  # Rasa alone opens one connection per call: 5

    await runner.cleanup()  # the action server restarts
    runner, connections = await _counting_server(unused_tcp_port)
    try:
        assert await endpoint.request(json={"next_action": "x"}) == {"events": [], "responses": []}
    finally:
        await runner.cleanup()


def test_domain_emptiness_is_rasas_answer():
    from rasa.shared.core.domain import Domain

    from bot.rasa_patches import domain_is_empty
    from bot.settings import PROJECT_ROOT

    for domain in (Domain.empty(), Domain.load(str(PROJECT_ROOT / "domain.yml"))):
        assert domain_is_empty(domain) == (domain.as_dict() == Domain.empty().as_dict())
    assert domain_is_empty(Domain.empty()) and not domain_is_empty(
        Domain.load(str(PROJECT_ROOT / "domain.yml")))
