"""The speed patch validates action server replies exactly as Rasa does."""
import json
import re

import numpy as np
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.runtime.rasa_patches import (
    COPIES_ONLY_FOR_DEBUG_LOGS,
    SUPPORTED_RASA,
    UnsupportedRasa,
    check_rasa_version,
    validate_action_result,
)
from tests.support.matrices import same_matrix_state

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

async def _serve(port, method, path, handler, **app_options):
    """An aiohttp server of one route on ``port``; returns its runner (to clean up)."""
    from aiohttp import web

    app = web.Application(**app_options)
    app.router.add_route(method, path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _counting_server(port):
    from aiohttp import web

    connections = set()

    async def webhook(request):
        connections.add(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    return await _serve(port, "POST", "/webhook", webhook), connections


async def test_action_calls_reuse_one_connection_and_survive_a_server_restart(unused_tcp_port):
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime.rasa_patches import apply

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


async def _recording_server(port):
    """An action server that keeps what each call sent: its Content-Encoding and its
    JSON (aiohttp inflates a deflated body, as the action server does)."""
    from aiohttp import web

    calls = []

    async def webhook(request):
        calls.append((request.headers.get("Content-Encoding"), await request.json()))
        return web.json_response({"events": [], "responses": []})

    return await _serve(port, "POST", "/webhook", webhook, client_max_size=1024 * 1024), calls


async def test_an_action_call_is_compressed_only_when_it_is_large(unused_tcp_port):
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime.rasa_patches import COMPRESS_FROM_BYTES, apply

    apply()
    endpoint = EndpointConfig(f"http://127.0.0.1:{unused_tcp_port}/webhook")
    small = {"next_action": "action_escalate", "tracker": {"sender_id": "x", "events": [
        {"event": "user", "text": "Kontot är inte aktivt ✓", "confidence": 0.1 + 0.2}]}}
    large = {"next_action": "action_escalate",
             "tracker": {"events": [{"event": "user", "text": "x" * 1000}] * 60}}
    runner, calls = await _recording_server(unused_tcp_port)
    try:
        for call in (small, large):
            assert await endpoint.request(json=call, compress=True) == {"events": [], "responses": []}
        assert await endpoint.request(json=small) == {"events": [], "responses": []}
        assert await endpoint.request(json=large, compress="gzip") == {"events": [], "responses": []}
    finally:
        await runner.cleanup()
    # Rasa deflates every call when asked to (the launcher asks); the JSON that arrives is Rasa's.
    assert calls == [(None, small), ("deflate", large), (None, small), ("gzip", large)]
    assert len(json.dumps(small)) < COMPRESS_FROM_BYTES <= len(json.dumps(large, separators=(",", ":")))


ODD_VALUES = [
    {"text": "Kontot är inte aktivt ✓ 🙂", "path": "a/b", "lone": "\ud800", "tab": "\t\"x\""},
    {"numbers": [0.1 + 0.2, 1e-7, -0.0, 1e300, 2 ** 63 - 1, 2 ** 70, -(2 ** 64)]},
    {7: "an int key", True: "a bool key", None: "no key", 1.5: "a float key"},
    [], {}, "", None, True,
]


@pytest.mark.parametrize("payload", ODD_VALUES)
def test_a_call_body_holds_what_jsons_would(payload):
    from bot.runtime.rasa_patches import call_body

    body = call_body(payload)
    assert body.isascii() and b", " not in body and b'": ' not in body
    assert json.loads(body) == json.loads(json.dumps(payload))


def test_a_value_json_cannot_write_fails_the_call_as_it_would():
    from bot.runtime.rasa_patches import call_body

    with pytest.raises(TypeError):
        call_body({"events": [b"bytes"]})


def test_the_calls_of_recorded_conversations_hold_what_jsons_would(domain):
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    from bot.runtime.rasa_patches import call_body
    from tests.support.recorded import recorded_events

    tracker = DialogueStateTracker("recorded", domain.slots)
    for number, event in enumerate(recorded_events("mixed-200")[:400]):
        tracker.update(event)
        if number % 20 == 0:  # as RemoteAction._action_call_format makes a call
            call = {"next_action": "action_x", "sender_id": tracker.sender_id, "version": "3.6.21",
                    "tracker": tracker.current_state(EventVerbosity.ALL)}
            assert json.loads(call_body(call)) == json.loads(json.dumps(call))


async def test_other_requests_through_the_kept_session_are_the_sessions_own(unused_tcp_port):
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime.rasa_patches import apply

    apply()

    async def model(request):
        return web.Response(text=request.headers.get("If-None-Match", ""))

    runner = await _serve(unused_tcp_port, "GET", "/model", model)
    endpoint = EndpointConfig(f"http://127.0.0.1:{unused_tcp_port}/model")
    try:  # as rasa.core.agent asks a model server
        async with endpoint.session() as session:
            async with session.request("GET", endpoint.url, headers={"If-None-Match": "abc"}) as resp:
                assert await resp.text() == "abc"
            async with session.get(endpoint.url) as resp:
                assert resp.status == 200
    finally:
        await runner.cleanup()


def test_domain_emptiness_is_rasas_answer():
    from rasa.shared.core.domain import Domain

    from bot.runtime.rasa_patches import domain_is_empty
    from bot.settings import PROJECT_ROOT

    for domain in (Domain.empty(), Domain.load(str(PROJECT_ROOT / "domain.yml"))):
        assert domain_is_empty(domain) == (domain.as_dict() == Domain.empty().as_dict())
    assert domain_is_empty(Domain.empty()) and not domain_is_empty(
        Domain.load(str(PROJECT_ROOT / "domain.yml")))


def _replies():
    """Replies with every kind of event the assistant stores, and broken variants."""
    import random

    from bot.ops.sample_data import random_conversation

    rng = random.Random(3)
    events = [e for i in range(40) for e in random_conversation(rng, 1.7e9, i).events]
    events += [{"event": "pause"}, {"event": "resume"}, {"event": "restart"},
               {"event": "followup", "name": "action_x"}, {"event": "reminder"},
               {"event": "active_loop", "name": None}, {"event": "session_started"}]
    replies = [{"events": [event], "responses": []} for event in events]
    for event in events[:60]:
        for key in [k for k in event if k != "event"]:
            replies.append({"events": [{**event, key: {"not": "a valid value"}}]})
            replies.append({"events": [{k: v for k, v in event.items() if k != key}]})
        replies.append({"events": [{**event, "event": "not_an_event"}]})
    return replies + GOOD + BAD


def test_the_quick_check_accepts_only_what_the_schema_accepts_and_all_it_does():
    from bot.runtime.rasa_patches import action_response_validator, quickly_valid

    replies = _replies()
    valid = [action_response_validator().is_valid(r) for r in replies]
    assert sum(valid) > 100 and len(valid) - sum(valid) > 50  # both kinds are tried
    assert [quickly_valid(r) for r in replies] == valid


def test_event_classes_are_rasas():
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    from bot.runtime.rasa_patches import resolve_event_type

    def rasas_lookup(name):  # Event.resolve_by_type in Rasa 3.6, without the patch
        for cls in all_subclasses(Event):
            if cls.type_name == name:
                return cls
        return None

    names = {cls.type_name for cls in all_subclasses(Event)} | {"topic"}
    assert len(names) > 20
    for name in names:
        assert resolve_event_type(name) is rasas_lookup(name)
    assert resolve_event_type("no such event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name 'no such event'"):
        resolve_event_type("no such event")

    class LateEvent(Event):  # an event class imported after the first lookup
        type_name = "late_event_for_test"

        def __eq__(self, other):
            return isinstance(other, LateEvent)

        def as_story_string(self):
            return None

    assert resolve_event_type("late_event_for_test") is LateEvent


def test_the_patches_refuse_any_rasa_but_the_one_they_were_written_for():
    import rasa

    assert rasa.__version__ == SUPPORTED_RASA == "3.6.21"
    check_rasa_version(rasa.__version__)
    for other in ("3.6.20", "3.6.21rc1", "3.7.0", "3.6.2"):
        with pytest.raises(UnsupportedRasa, match="written for Rasa 3.6.21 only"):
            check_rasa_version(other)


def test_apply_checks_the_installed_version(monkeypatch):
    import rasa

    from bot.runtime import rasa_patches

    monkeypatch.setattr(rasa, "__version__", "3.6.20")
    with pytest.raises(UnsupportedRasa):
        rasa_patches.apply()


def test_apply_loads_models_without_the_training_step_and_warms_up_before_listening():
    import rasa.core.run
    from rasa.utils.tensorflow.models import RasaModel

    from bot.runtime import rasa_patches

    rasa_patches.apply()
    rasa_patches.apply()  # twice, as a test process may: still one wrapper, Rasa's load kept
    assert RasaModel.load.__func__ is rasa_patches.load_tensorflow_model
    assert rasa_patches.rasas_model_load.__module__ == "rasa.utils.tensorflow.models"
    assert RasaModel._rasa_predict is rasa_patches.predict_with_traced_graph
    assert rasa_patches.rasas_rasa_predict.__module__ == "rasa.utils.tensorflow.models"
    wrapper = rasa.core.run.load_agent_on_start
    assert wrapper.__code__.co_name == "load_agent_and_warm_up"
    assert wrapper.__wrapped__.__module__ == "rasa.core.run"
    import rasa.server

    assert rasa.server._load_agent.__wrapped__.__module__ == "rasa.server"  # patch 9, once


# -- patch 12: two featurizers' sparse features joined without scipy's block code

def _random_coo(rows, columns, density, dtype, seed):
    import scipy.sparse

    return scipy.sparse.random(rows, columns, density=density, format="coo", dtype=dtype,
                               random_state=seed)


@pytest.mark.parametrize("left_dtype, right_dtype", [
    ("float64", "float64"), ("float32", "float64"), ("int64", "float32"), ("float32", "float32")])
@pytest.mark.parametrize("rows, density", [(1, 0.01), (7, 0.003), (3, 0.0)])
def test_sparse_features_side_by_side_are_scipys_hstack(left_dtype, right_dtype, rows, density):
    from scipy.sparse import hstack

    from bot.runtime.rasa_patches import side_by_side

    left = _random_coo(rows, 1800, density, left_dtype, 1)
    right = _random_coo(rows, 9000, density * 2, right_dtype, 2)
    ours, scipys = side_by_side(left, right), hstack([left, right])
    assert type(ours) is type(scipys) and ours.shape == scipys.shape
    for attribute in ("data", "row", "col"):
        mine, theirs = getattr(ours, attribute), getattr(scipys, attribute)
        assert mine.dtype == theirs.dtype and (mine == theirs).all(), attribute
    same_matrix_state(ours, scipys)


@pytest.mark.parametrize("data_dtype", ["int64", "float32", "float64"])
@pytest.mark.parametrize("shape", [(1, 9000), (7, 30), (0, 5), (3, 2**31 + 10)])
def test_a_coo_matrix_without_scipys_checks_is_scipys(data_dtype, shape):
    from scipy.sparse import coo_matrix
    from scipy.sparse._sputils import get_index_dtype

    from bot.runtime.rasa_patches import coo_of_checked_arrays

    generator = np.random.default_rng(7)
    count = 0 if 0 in shape else 12
    rows = generator.integers(0, max(shape[0], 1), count)
    columns = np.sort(generator.integers(0, shape[1], count))
    data = generator.random(count).astype(data_dtype)
    index = get_index_dtype(maxval=max(shape))
    ours = coo_of_checked_arrays(data, rows.astype(index), columns.astype(index), shape)
    scipys = coo_matrix((data, (rows, columns)), shape=shape)
    same_matrix_state(ours, scipys)
    assert (ours.tocsr() != scipys.tocsr()).nnz == 0 and ours.format == "coo"


def test_other_sparse_features_still_go_to_scipy_and_rasas_check_stays():
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import hstack

    from bot.runtime.rasa_patches import apply, side_by_side

    apply()
    csr = _random_coo(4, 50, 0.2, "float64", 3).tocsr()
    assert (side_by_side(csr, csr) != hstack([csr, csr])).nnz == 0
    sequence = Features(_random_coo(4, 50, 0.2, "float64", 4), "sequence", "text", "a")
    with pytest.raises(ValueError, match="sequence dimensions do not match: 4 != 5"):
        sequence.combine_with_features(Features(_random_coo(5, 50, 0.2, "float64", 5),
                                                "sequence", "text", "b"))
    sequence.combine_with_features(Features(_random_coo(4, 30, 0.2, "float64", 6),
                                            "sequence", "text", "b"))
    assert sequence.features.shape == (4, 80)


@pytest.mark.parametrize("largest", [0, 5, 9000, 2**31 - 1, 2**31, 2**40])
def test_the_kept_index_dtype_is_scipys(largest):
    from scipy.sparse._sputils import get_index_dtype

    from bot.runtime.rasa_patches import index_dtype

    assert index_dtype(largest) is get_index_dtype(maxval=largest)
    assert index_dtype(largest) is index_dtype(largest)


def _tensor_specs(*dtypes):
    import tensorflow as tf

    return [tf.TensorSpec(None, dtype) for dtype in dtypes]


INPUT_ARRAYS = [  # as DIET's batches hold them, and the odd ones
    (np.arange(24, dtype=np.float32).reshape(2, 3, 4), "float32"),
    (np.array([[0, 5, 7], [1, 2, 3]], dtype=np.int64), "int64"),
    (np.array([[0.5, 1.25]], dtype=np.float64), "float32"),  # cast, as TensorFlow casts
    (np.zeros((0, 3), dtype=np.float32), "float32"),
    (np.array([3], dtype=np.int32), "int64"),
    (np.array([1.5, -2.5], dtype=np.float32), "int64"),  # truncated, as TensorFlow does
    (np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)), "float32"),
    (np.arange(10, dtype=np.float32)[::2], "float32"),  # a strided view
    (np.float32(2.5), "float32"),  # not an array: TensorFlow's way
    ([[1, 2], [3, 4]], "int64"),
]


def test_prediction_inputs_are_the_tensors_tensorflows_conversion_makes():
    import tensorflow as tf

    from bot.runtime.rasa_patches import eager_inputs

    values = [value for value, _ in INPUT_ARRAYS]
    specs = _tensor_specs(*(dtype for _, dtype in INPUT_ARRAYS))
    ours = eager_inputs(values, specs)
    theirs = [tf.convert_to_tensor(value, dtype=spec.dtype) for value, spec in zip(values, specs)]
    for mine, expected in zip(ours, theirs):
        assert type(mine) is type(expected)
        assert (mine.dtype, mine.shape, mine.device) == (expected.dtype, expected.shape, expected.device)
        assert np.array_equal(mine.numpy(), expected.numpy())


@pytest.mark.parametrize("value", [np.array(["a"]), np.array([object()])])
def test_a_prediction_input_tensorflow_refuses_is_refused(value):
    import tensorflow as tf

    from bot.runtime.rasa_patches import eager_inputs

    with pytest.raises(Exception) as theirs:
        tf.convert_to_tensor(value, dtype=tf.float32)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        eager_inputs([value], _tensor_specs(tf.float32))


@pytest.mark.parametrize("module_name", COPIES_ONLY_FOR_DEBUG_LOGS)
def test_every_deep_copy_of_the_modules_patch_15_changes_is_for_a_debug_line(module_name):
    """Patch 15 may skip their copies only if each makes a value for structlog's debug."""
    import ast
    import importlib
    import inspect

    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "copy"]
    assert uses
    for use in uses:
        assert use.attr == "deepcopy", use.lineno
        node = parent[use]
        while not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                   and node.func.attr == "debug"
                   and getattr(node.func.value, "id", None) == "structlogger"):
            assert node in parent, f"line {use.lineno}: a deep copy not for structlog's debug"
            node = parent[node]


@pytest.fixture
def structlog_config():
    import structlog

    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_debug_values_are_copied_only_while_debug_lines_are_written(structlog_config):
    import logging

    from rasa.utils.log_utils import configure_structlog

    from bot.runtime.rasa_patches import CopiesForDebugLogs

    events = [{"event": "user", "text": "Konto 1930", "parse_data": {"entities": []}}]
    configure_structlog(logging.INFO)
    assert CopiesForDebugLogs.deepcopy(events) is events
    configure_structlog(logging.DEBUG)
    copied = CopiesForDebugLogs.deepcopy(events)
    assert copied == events and copied is not events and copied[0] is not events[0]
    assert CopiesForDebugLogs.copy(events) is not events


def test_patch_15_puts_the_copies_in_place():
    import importlib

    from bot.runtime.rasa_patches import CopiesForDebugLogs, apply

    apply()
    assert {"rasa.core.processor", "rasa.core.actions.forms",
            "rasa.core.policies.rule_policy"} <= set(COPIES_ONLY_FOR_DEBUG_LOGS)
    for name in COPIES_ONLY_FOR_DEBUG_LOGS:
        assert importlib.import_module(name).copy is CopiesForDebugLogs
