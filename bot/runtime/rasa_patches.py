"""Speed fixes for Rasa 3.6 that keep its behaviour, applied by bot/runtime/rasa_server.py.

Rasa 3.6 is the last open-source release, so these cannot go upstream.  Each one is
measured (README "Measured") and tested (tests/runtime/test_rasa_patches.py).

1. Every custom action's reply is checked against Rasa's JSON schema with
   ``jsonschema.validate``, which first re-checks the schema itself and builds a new
   validator on every call: a third of the Rasa server's CPU under load (py-spy).
   The patch checks the schema once and reuses its validators.  The schema says an
   event is valid under exactly one ``oneOf`` of 23 alternatives, each for one value of
   "event"; checking all 23 for every event was still a quarter of an action call, so
   a reply is first checked against the one alternative its events name.  Only when
   that fails does the whole schema run, so errors, their order of preference
   (``best_match``) and messages stay Rasa's.
2. The model graph is run node by node (bot/runtime/graph_runner.py) instead of through dask's
   scheduler, which cost about a fifth of every parse and prediction.
3. Every call to the action server opened a new HTTP client session, hence a new TCP
   connection (an eighth of an action call's CPU, and an accept in nginx and the
   action server).  The patch keeps one session per endpoint and event loop, so
   connections are reused; requests, headers, auth and timeout are Rasa's.
4. Before every parse Rasa asks whether the domain is empty by serialising it and a
   new empty domain and comparing the two.  A loaded domain does not change, so the
   answer is kept on it.
5. Every event read back (a tracker from the database, an action's reply) looks up
   its class by walking the whole tree of Event subclasses.  The patch remembers the
   classes by name and walks the tree again only for a name it does not know (an
   event class imported later), so the answers are Rasa's.

6. Loading a TensorFlow model (DIET) first trains it for one step on one example, only to
   create its weights before reading them from the file: tracing the training step was
   7 of a Rasa process's 18 s of model loading.  The patch creates the weights the way
   prediction uses them, one eager prediction, then reads them from the file, checking
   that every weight was in it, and traces the prediction as Rasa does but without
   AutoGraph, whose rewriting of the prediction's source was another 3 s of a process's
   start.  Parses are identical (tests/system/model/test_model_load.py).
7. Every parse calls DIET's traced prediction as a ``tf.function``, which first matches
   the inputs against its signature, converts them and looks up the traced graph: 40 %
   of the call (py-spy).  The graph never changes after loading, so the patch calls it
   directly with the inputs converted to the signature's types.  Numpy inputs are made
   into tensors by the function TensorFlow's conversion ends in, without its dispatch
   layers (a fortieth of a Rasa process's Python CPU).  Parses are identical
   (tests/system/model/test_model_load.py).
8. A server process loads its model, then does the one-time work its first turns would
   otherwise pay for (bot/runtime/warm_up.py) before it listens: the first turns after
   a start took 3 to 5 times as long as later ones.
9. ``PUT /model`` (the trainer's deploy, bot/trainer/deploy.py) loads a new agent and
   swaps it in.  The first customers after a deploy paid its cold start, and the old
   agent, which patch 8's warm-up had frozen out of the garbage collector, could never
   be collected: a process grew by a model at every deploy.  The patch warms the new
   agent up before the swap, lets the collector reach what was frozen, and freezes
   again once the swap is done.
10. With COMPRESS_ACTION_SERVER_REQUEST on (the launcher sets it, so that a long
    conversation's call fits the action server's 64 KB cap), Rasa deflates every action
    call in a worker thread, and the action server inflates it.  Since a turn reads only
    its window (bot/runtime/tracker_window.py) a call is 10-45 KB of JSON, so the patch
    sends it as it is, and compresses only a call of COMPRESS_FROM_BYTES or more.  The
    JSON is written by ujson (a twentieth of a Rasa process's CPU went to json.dumps of
    the calls), without the spaces after "," and ":" that json.dumps adds; the values
    sent are Rasa's, and so are the headers, auth and timeout.
11. Right after a customer's message the RulePolicy looks for a rule twice, once by the
    message's text and once by its intent, and each time computes the dialogue state at
    every action of the tracker (``past_states``, a replay of its events); all the
    RulePolicy's state computations were a twelfth of a Rasa process's CPU under load
    (py-spy), the text pass a third of them.  Both times the tracker is the same, so the
    patch keeps the states on the tracker, for as long as it has the same events, and
    hands each caller its own copy (Rasa's featurizer edits the states it gets).  After
    an action the replay goes on from where the previous prediction left it, over the
    action's events only, when they are plain ones (``StatesReplay``).
    Predictions are identical (tests/system/model/test_rule_states.py).
12. Every parse joins the two count-vector featurizers' sparse features (sequence and
    sentence) with ``scipy.sparse.hstack``, whose general block code took 150 us a join
    here.  Both are COO matrices, so the patch puts their entries side by side directly
    (35 us), with scipy's dtypes; anything else still goes to scipy.  The matrices are
    identical (tests/runtime/test_rasa_patches.py), and so are the parses
    (tests/system/model/test_model_load.py).
13. Before every action Rasa copies the tracker (``DialogueStateTracker.copy``, in
    ``MessageProcessor._run_action``; the FormAction's validation too) by replaying every
    event of the conversation's window onto a new tracker: 3 % of a Rasa process's CPU
    under load (py-spy).  A tracker's state is by construction what its events replay
    to, so the patch copies the state itself: the same events, copies of the slots, of
    the latest action and of the active loop, and the objects the replay would share with
    the events (the latest messages).  A tracker whose history limit has dropped events
    is still replayed (its state need not be what the events left give).  Copies are
    identical to Rasa's, checked at every event of the recorded conversations
    (tests/runtime/test_tracker_copy.py).
14. Every parse counts the message's words and character n-grams with scikit-learn's
    ``CountVectorizer.transform``, four times (two featurizers, each for the tokens and
    for the sentence), and each time sklearn builds a CSR matrix, checks it, sorts it,
    and Rasa turns it into COO: 5 % of a Rasa process's CPU under load, most of it
    around the counting.  The patch counts with the vectorizer's own analyzer and
    vocabulary and builds the COO matrix directly, with the same entries in the same
    order and the same dtypes (tests/runtime/test_count_features.py); parses are
    identical (tests/system/model/test_model_load.py).  Its matrices, and patch 12's,
    are made without scipy's constructor, whose checks of arrays already right were
    another 4 % of a Rasa process's Python CPU (``coo_of_checked_arrays``).
15. Rasa deep-copies events, slots, states and the latest message to pass them to
    structlog's ``debug``: six times a turn in the message processor, and in the form
    and rule policy code, 1.5 % of a Rasa process's Python CPU.  Below DEBUG, structlog's
    ``debug`` is a function that does nothing, so the copies are thrown away unread.  In
    those three modules, whose only deep copies are these (tests/runtime/test_rasa_patches.py
    reads their source), ``copy`` is replaced by ``CopiesForDebugLogs``: the value itself
    when debug lines are dropped, a deep copy when they are written (Rasa's anonymizer
    may then change what it logs).

Each patch replaces a function of Rasa 3.6.21 with one written against its code, so
``apply`` refuses any other version of Rasa (``UnsupportedRasa``) rather than patch code
it has not been checked against.
"""
from __future__ import annotations

import asyncio
import copy
import functools
import gc
import json
import weakref
from typing import Any, Dict, List, Optional, Text, Tuple

import jsonschema
from jsonschema.exceptions import best_match


@functools.lru_cache(maxsize=1)
def action_response_validator() -> Any:
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@functools.lru_cache(maxsize=1)
def event_validators() -> Tuple[Any, Dict[str, Any]]:
    """A validator of the reply without the events' ``oneOf``, and one validator per
    event name for its alternative (with the constraints every event shares)."""
    from rasa.core.actions.action import RemoteAction

    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    items = schema["properties"]["events"]["items"]
    alternatives = items.pop("oneOf")
    validator_class = jsonschema.validators.validator_for(schema)
    by_event: Dict[str, Any] = {}
    names = [alt.get("properties", {}).get("event", {}).get("const") for alt in alternatives]
    for name, alternative in zip(names, alternatives):
        if name is not None and names.count(name) == 1:
            by_event[name] = validator_class({"allOf": [items, alternative]})
    return validator_class(schema), by_event


def quickly_valid(result: Any) -> bool:
    """True only if the whole schema would accept ``result`` (False means: not known)."""
    reply_validator, by_event = event_validators()
    if not reply_validator.is_valid(result):
        return False
    for event in result.get("events") or []:
        validator = by_event.get(event.get("event"))
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """Drop-in for RemoteAction._validate_action_result with reused validators."""
    from rasa.core.actions.action import DOCS_BASE_URL

    if quickly_valid(result):
        return True
    error = best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


# A call this large (its JSON) is compressed: under the action server's and nginx's 64 KB
# cap (bot/ops/action_server.py MAX_REQUEST_BYTES) with room to spare.
COMPRESS_FROM_BYTES = 48 * 1024


def call_body(payload: Any) -> bytes:
    """The body of a call with JSON ``payload``: Rasa's values, without json.dumps's spaces.

    ujson writes it three times as fast as json.dumps (a call of 43 KB: 130 against 390 us)
    and, for the values a tracker holds, the same JSON but for how a float is spelt
    (1e-7 for 1e-07).  Anything ujson refuses goes to json.dumps, which writes it or
    raises as Rasa's own call would (bytes: TypeError)."""
    import ujson

    try:
        return ujson.dumps(payload, ensure_ascii=True, escape_forward_slashes=False).encode()
    except (TypeError, ValueError, OverflowError):  # UnicodeEncodeError is a ValueError
        return json.dumps(payload, separators=(",", ":")).encode()


class _CallSender:
    """The endpoint's session as ``EndpointConfig.request`` uses it: a JSON body is
    sent compact, and compressed only when large (patch 10).  Everything else is the
    session's own."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def request(self, method: str, url: Any, *, json: Any = None, compress: Any = None,
                headers: Any = None, **kwargs: Any) -> Any:
        if json is not None:
            kwargs["data"] = body = call_body(json)
            headers = {"Content-Type": "application/json", **(headers or {})}
            if len(body) < COMPRESS_FROM_BYTES:
                compress = None  # Rasa's "compress it" stands only for a large call
        return self._session.request(method, url, compress=compress or None,
                                     headers=headers, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _KeptSession:
    """``async with`` gives the endpoint's long-lived session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return _CallSender(self._session)

    async def __aexit__(self, *_exc: Any) -> None:
        return None


# Below Sanic's keep-alive timeout (5 s), so the client drops an idle connection
# before the action server does and never sends on one the server is closing.
KEEPALIVE_SECONDS = 4


def _new_session(endpoint: Any) -> Any:
    """What Rasa's EndpointConfig.session makes, with a connector that keeps
    connections alive for KEEPALIVE_SECONDS."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth else None)
    return aiohttp.ClientSession(
        headers=endpoint.headers, auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
    )


def kept_session(self: Any) -> _KeptSession:
    """Drop-in for EndpointConfig.session: the same session while the loop lives."""
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get("_kept_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        kept = (loop, _new_session(self))
        self.__dict__["_kept_session"] = kept
    return _KeptSession(kept[1])


def domain_is_empty(self: Any) -> bool:
    """Drop-in for Domain.is_empty, computed once per domain."""
    if "_is_empty" not in self.__dict__:
        self.__dict__["_is_empty"] = _rasa_domain_is_empty(self)
    return self.__dict__["_is_empty"]


def _rasa_domain_is_empty(domain: Any) -> bool:
    from rasa.shared.core.domain import Domain

    return domain.as_dict() == Domain.empty().as_dict()


_event_classes: Dict[str, Any] = {}


def resolve_event_type(type_name: Text, default: Any = None) -> Any:
    """Drop-in for Event.resolve_by_type, with the classes remembered by name."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    if type_name not in _event_classes:
        for cls in reversed(all_subclasses(Event)):  # the first of a name wins, as in Rasa
            _event_classes[cls.type_name] = cls
    if type_name in _event_classes:
        return _event_classes[type_name]
    if type_name == "topic":
        return None  # Rasa's backwards compatibility with old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def load_tensorflow_model(cls: Any, model_file_name: Text, model_data_example: Any,
                          predict_data_example: Any = None, finetune_mode: bool = False,
                          *args: Any, **kwargs: Any) -> Any:
    """Drop-in for RasaModel.load: the weights made by one eager prediction, not by a
    training step.  Fine-tuning, eager models and loads without a prediction example
    (none in this project) keep Rasa's way."""
    import tensorflow as tf
    from rasa.utils import train_utils
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

    config = kwargs.get("config", {})
    if finetune_mode or not predict_data_example or config.get(RUN_EAGERLY):
        return rasas_model_load(cls, model_file_name, model_data_example, predict_data_example,
                                finetune_mode, *args, **kwargs)
    model = cls(*args, **kwargs)
    # As Rasa's: an optimizer, for whoever trains the loaded model further.
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                  run_eagerly=config.get(RUN_EAGERLY))
    batches, _ = train_utils.create_data_generators(
        model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False)
    batch = next(iter(batches))[0]
    model._training = False
    model.prepare_for_predict()
    model.batch_predict(batch)
    # Every weight prediction uses must come from the file; the optimizer's in the file
    # are not used (and not warned about).
    model.load_weights(model_file_name).assert_existing_objects_matched().expect_partial()
    # What prepare_for_predict computed (the labels' embeddings) used the random weights.
    model.prepared_for_prediction = False
    # Rasa's traced prediction (RasaModel._rasa_predict), but traced without AutoGraph:
    # the prediction has no Python branch or loop on a tensor (tracing would fail loudly
    # if it had), so rewriting its source for tf.cond and tf.while_loop only cost time.
    model._tf_predict_step = tf.function(
        model.predict_step, input_signature=model._dynamic_signature(batch), autograph=False)
    model.run_inference(predict_data_example)
    return model


# Rasa's RasaModel.load, kept by apply() (for the loads this patch leaves to Rasa).
rasas_model_load: Any = None


_traced_predictions: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def predict_with_traced_graph(self: Any, batch_in: Any) -> Any:
    """Drop-in for RasaModel._rasa_predict once the prediction is traced: its graph called
    directly (ConcreteFunction._call_flat, as tf.function calls it after matching)."""
    if self._run_eagerly or self._tf_predict_step is None or not self.prepared_for_prediction:
        return rasas_rasa_predict(self, batch_in)  # the first call traces, as in Rasa
    import tensorflow as tf
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA

    traced = _traced_predictions.get(self)
    if traced is None:
        function = self._tf_predict_step.get_concrete_function()
        specs = tf.nest.flatten(function.structured_input_signature[0])
        traced = _traced_predictions[self] = (function, specs)
    function, specs = traced
    if len(batch_in) != len(specs):  # not this signature: Rasa's way says why
        return rasas_rasa_predict(self, batch_in)
    if getattr(self, "_training", None) is not False:  # a keras attribute set is slow:
        self._training = False  # tracked layers are looked for in the value, every time
    inputs = eager_inputs(batch_in, specs)
    outputs = tf_utils.sync_to_numpy_or_python_type(
        function._call_flat(inputs, function.captured_inputs))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


# Rasa's RasaModel._rasa_predict, kept by apply().
rasas_rasa_predict: Any = None


def eager_inputs(batch_in: Any, specs: List[Any]) -> List[Any]:
    """``tf.convert_to_tensor(value, dtype=spec.dtype)`` of each input (patch 7).  For a
    numpy array TensorFlow's conversion passes through its dispatch, tracing and registry
    layers to end in ``convert_to_eager_tensor``: the conversion of a dozen small arrays a
    parse was a twentieth of a Rasa process's Python CPU, half of it in those layers.
    Arrays go to that function directly (the same tensor:
    tests/runtime/test_rasa_patches.py); anything else takes TensorFlow's way."""
    import numpy as np
    import tensorflow as tf
    from tensorflow.python.eager import context
    from tensorflow.python.framework.constant_op import convert_to_eager_tensor

    ctx = context.context()
    return [convert_to_eager_tensor(value, ctx, spec.dtype) if type(value) is np.ndarray
            else tf.convert_to_tensor(value, dtype=spec.dtype)
            for value, spec in zip(batch_in, specs)]


STATES_ATTRIBUTE = "_export_bot_states"


def _states_key(tracker: Any, domain: Any, *flags: Any) -> Tuple[Any, ...]:
    """What the states of ``tracker`` depend on: its events (appended to, never edited:
    their number and the last one), the domain and the featurizer's arguments."""
    events = tracker.events
    return (len(events), id(events[-1]) if events else None, id(domain), *flags)


def _copied(states: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """States are dicts of dicts of immutable values: a copy two levels deep is whole."""
    return [{part: dict(values) for part, values in state.items()} for state in states]


def create_states_once(tracker: Any, domain: Any, omit_unset_slots: bool = False,
                       ignore_rule_only_turns: bool = False,
                       rule_only_data: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """Drop-in for TrackerFeaturizer._create_states: Rasa's states, computed once per
    tracker and events (patch 11); each call gets a copy to edit."""
    if not ignore_rule_only_turns:  # the rule policy's way: rule_only_data is not read
        return _copied(StatesReplay.resumed(tracker, domain, omit_unset_slots).states())
    # The ML policies' way (none here): Rasa's, kept while the events are the same.
    key = _states_key(tracker, domain, omit_unset_slots, ignore_rule_only_turns)
    kept = tracker.__dict__.get(STATES_ATTRIBUTE)
    # The RulePolicy makes a new rule_only_data for every call: compared by value.
    if kept is None or kept[0] != key or kept[1] != rule_only_data:
        kept = (key, copy.deepcopy(rule_only_data),
                rasas_create_states(tracker, domain, omit_unset_slots=omit_unset_slots,
                                    ignore_rule_only_turns=True, rule_only_data=rule_only_data))
        tracker.__dict__[STATES_ATTRIBUTE] = kept
    return _copied(kept[2])


REPLAY_ATTRIBUTE = "_export_bot_states_replay"


class StatesReplay:
    """Rasa's ``past_states`` of a tracker (``ignore_rule_only_turns`` off, as the
    RulePolicy asks), kept resumable on the tracker (patch 11): the replay of its applied
    events and the state before each action among them.  Rasa replays the whole window
    for each prediction of a turn; after an action only its few events are new, and
    while they are plain (they neither undo, restart nor touch a loop) the applied events
    are the old ones and these, so the replay goes on from where it stopped.  Any other
    event, a history limit reached or a different domain starts a new replay.
    Identical to Rasa's states after every event of the recorded conversations
    (tests/runtime/test_states_replay.py)."""

    def __init__(self, tracker: Any, domain: Any, omit_unset_slots: bool) -> None:
        from rasa.shared.core.events import ActiveLoop

        self.domain, self.omit_unset_slots = domain, omit_unset_slots
        self.replay = tracker.init_copy()
        self.before_actions: List[Dict[str, Any]] = []
        self._states: Optional[List[Dict[str, Any]]] = None  # up to the last event read
        self.loop_names = {event.name for event in tracker.events
                           if isinstance(event, ActiveLoop) and event.name}
        self._play(tracker.applied_events())
        self._read_up_to(tracker)

    @classmethod
    def resumed(cls, tracker: Any, domain: Any, omit_unset_slots: bool) -> "StatesReplay":
        kept = tracker.__dict__.get(REPLAY_ATTRIBUTE)
        new = kept._new_events(tracker, domain, omit_unset_slots) if kept else None
        if new is None:
            kept = tracker.__dict__[REPLAY_ATTRIBUTE] = cls(tracker, domain, omit_unset_slots)
        else:
            kept._play(new)
            kept._read_up_to(tracker)
        return kept

    def states(self) -> List[Dict[str, Any]]:
        """The states before each action, and the state now (the same list until more
        events are played: callers copy it)."""
        if self._states is None:
            self._states = [*self.before_actions, self._state()]
        return self._states

    def _state(self) -> Dict[str, Any]:
        state = self.domain.get_active_state(self.replay, omit_unset_slots=self.omit_unset_slots)
        return self.domain._clean_state(state)

    def _play(self, events: Any) -> None:
        """Rasa's generate_all_prior_trackers and states_for_tracker_history, resumable."""
        from rasa.shared.core.events import ActionExecuted

        for event in events:
            self._states = None
            if isinstance(event, ActionExecuted):
                self.before_actions.append(self._state())
            self.replay.update(event)

    def _read_up_to(self, tracker: Any) -> None:
        self.read, self.last = len(tracker.events), tracker.events[-1] if tracker.events else None

    def _new_events(self, tracker: Any, domain: Any, omit_unset_slots: bool) -> Optional[list]:
        """The tracker's events since the replay's last, if they can be played on it."""
        import itertools

        from rasa.shared.core.events import (
            ActionExecuted,
            ActionReverted,
            ActiveLoop,
            Restarted,
            SessionStarted,
            UserUtteranceReverted,
        )

        events = tracker.events
        limit = tracker._max_event_history
        if (domain is not self.domain or omit_unset_slots != self.omit_unset_slots
                or (limit is not None and len(events) >= limit) or len(events) < self.read
                or (self.read and events[self.read - 1] is not self.last)):
            return None
        new = list(itertools.islice(events, self.read, None))
        for event in new:
            if isinstance(event, (Restarted, SessionStarted, ActionReverted,
                                  UserUtteranceReverted, ActiveLoop)) or (
                    isinstance(event, ActionExecuted) and event.action_name in self.loop_names):
                return None  # applied_events would undo, restart or re-read a loop
        return new


# Rasa's TrackerFeaturizer._create_states, kept by apply().
rasas_create_states: Any = None


def side_by_side(left: Any, right: Any) -> Any:
    """``scipy.sparse.hstack([left, right])`` of two COO matrices, built directly (patch
    12): the entries of ``right`` after those of ``left``, its columns shifted, in the
    dtypes scipy's block code gives."""
    import numpy as np
    from scipy.sparse import coo_matrix, hstack
    from scipy.sparse._sputils import upcast

    if not (type(left) is coo_matrix and type(right) is coo_matrix):
        return hstack([left, right])
    shape = (left.shape[0], left.shape[1] + right.shape[1])
    index = index_dtype(max(shape))
    data = np.concatenate([left.data, right.data]).astype(upcast(left.dtype, right.dtype), copy=False)
    rows = np.concatenate([left.row, right.row]).astype(index, copy=False)
    columns = np.concatenate([left.col, right.col + left.shape[1]]).astype(index, copy=False)
    return coo_of_checked_arrays(data, rows, columns, shape)


@functools.lru_cache(maxsize=64)
def index_dtype(largest: int) -> Any:
    """scipy's ``get_index_dtype(maxval=largest)``, which asks numpy for the int32 limits
    on every call; a parse's matrices have a few sizes, one per vocabulary."""
    from scipy.sparse._sputils import get_index_dtype

    return get_index_dtype(maxval=largest)


def coo_of_checked_arrays(data: Any, rows: Any, columns: Any, shape: Tuple[int, int]) -> Any:
    """``coo_matrix((data, (rows, columns)), shape=shape)`` without its checks, for the
    patches' own arrays (12, 14): the indices already in the dtype scipy picks for the
    shape and in range, the data in native byte order.  scipy's constructor converts and
    checks every array again (``_check``), 110 us a matrix, several times a parse; this
    sets the attributes it would set, in its order (compared with scipy's attribute by
    attribute, scipy 1.10.1: tests/runtime/test_rasa_patches.py for joins and odd shapes,
    tests/runtime/test_count_features.py for the counts of 2,050 texts)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse._base import MAXPRINT

    matrix = coo_matrix.__new__(coo_matrix)
    matrix.__dict__.update(_shape=(int(shape[0]), int(shape[1])), maxprint=MAXPRINT,
                           row=rows, col=columns, data=data, has_canonical_format=False)
    return matrix


def combine_sparse_features(self: Any, additional_features: Any) -> None:
    """Drop-in for Features._combine_sparse_features: Rasa's check, then ``side_by_side``."""
    if self.features.shape[0] != additional_features.features.shape[0]:
        raise ValueError(
            f"Cannot combine sparse features as sequence dimensions do not "
            f"match: {self.features.shape[0]} != "
            f"{additional_features.features.shape[0]}."
        )
    self.features = side_by_side(self.features, additional_features.features)
    self._cached_fingerprint = None


# Rasa's Features._combine_sparse_features, kept by apply().
rasas_combine_sparse_features: Any = None


def copy_tracker(self: Any) -> Any:
    """Drop-in for DialogueStateTracker.copy (patch 13): the tracker Rasa's replay of
    the events would make (a plain tracker with the same sender, history size and rule
    flag, and no model or assistant id), with the state taken over instead of replayed."""
    import dataclasses

    from rasa.shared.constants import DEFAULT_SENDER_ID
    from rasa.shared.core.trackers import DialogueStateTracker

    limit = self._max_event_history
    if limit is not None and len(self.events) >= limit:
        # Events may have dropped out: the replay of those left need not give the state.
        return rasas_copy_tracker(self)
    copied = DialogueStateTracker(self.sender_id or DEFAULT_SENDER_ID, None, limit,
                                  is_rule_tracker=self.is_rule_tracker)
    copied.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
    copied.events.extend(self.events)
    copied._paused = self._paused
    copied.followup_action = self.followup_action
    copied.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    copied.latest_message = self.latest_message
    copied.latest_bot_utterance = self.latest_bot_utterance
    copied.active_loop = dataclasses.replace(self.active_loop) if self.active_loop else None
    return copied


# Rasa's DialogueStateTracker.copy, kept by apply().
rasas_copy_tracker: Any = None


def counted(vectorizer: Any, documents: List[str], analyze: Any = None) -> Any:
    """``vectorizer.transform(documents)``, its indices sorted, as COO (patch 14): per
    document, the counts of the analyzer's features found in the vocabulary, by column."""
    import numpy as np

    if not getattr(vectorizer, "vocabulary_", None):
        # Loaded (the vocabulary is a parameter, checked and set by the first transform),
        # not fitted or empty (sklearn says so): sklearn's way, as Rasa does it.
        matrix = vectorizer.transform(documents)
        matrix.sort_indices()
        return matrix.tocoo()
    analyze = analyze or vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    rows: List[int] = []
    columns: List[int] = []
    counts: List[int] = []
    for row, document in enumerate(documents):
        found: Dict[int, int] = {}
        for feature in analyze(document):
            column = vocabulary.get(feature)
            if column is not None:
                found[column] = found.get(column, 0) + 1
        for column in sorted(found):
            rows.append(row)
            columns.append(column)
            counts.append(1 if vectorizer.binary else found[column])
    # The counts in the vectorizer's dtype, as sklearn's CSR holds them and tocoo keeps
    # them; the indices in the dtype coo_matrix picks for the shape, as tocoo's do.
    shape = (len(documents), len(vocabulary))
    index = index_dtype(max(shape))
    return coo_of_checked_arrays(np.asarray(counts, dtype=vectorizer.dtype),
                                 np.asarray(rows, dtype=index), np.asarray(columns, dtype=index),
                                 shape)


def create_count_features(self: Any, attribute: Text, all_tokens: List[List[Text]]) -> Any:
    """Drop-in for CountVectorsFeaturizer._create_features: Rasa's loop, with each
    ``transform``, ``sort_indices`` and ``tocoo`` done by ``counted``."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

    vectorizer = self.vectorizers.get(attribute)
    if not vectorizer:
        return [None], [None]
    analyze = vectorizer.build_analyzer()
    sequence_features: List[Any] = []
    sentence_features: List[Any] = []
    for tokens in all_tokens:
        if not tokens:  # nothing to featurize
            sequence_features.append(None)
            sentence_features.append(None)
            continue
        sequence_features.append(counted(vectorizer, tokens, analyze))
        sentence_features.append(counted(vectorizer, [" ".join(tokens)], analyze)
                                 if attribute in DENSE_FEATURIZABLE_ATTRIBUTES else None)
    return sequence_features, sentence_features


# Rasa's CountVectorsFeaturizer._create_features, kept by apply().
rasas_create_count_features: Any = None


def build_caches() -> None:
    """What patches 1 and 5 build on first use, built with the warm-up (patch 8): the
    reply validators (jsonschema reads its meta-schemas from disk) and the event classes
    by name were two fifths of a server's first turn."""
    event_validators()
    resolve_event_type("action")


def patch_load_agent_on_start(rasa_run: Any) -> None:
    """``rasa run`` loads the agent before Sanic listens; the warm-up runs right after."""
    from bot.runtime.warm_up import warm_up_assistant

    load_agent = rasa_run.load_agent_on_start

    @functools.wraps(load_agent)
    async def load_agent_and_warm_up(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent(*args, **kwargs)
        build_caches()
        await warm_up_assistant(agent)
        return agent

    rasa_run.load_agent_on_start = load_agent_and_warm_up


# After a swap, in-flight turns may still hold the old agent for a moment.
REFREEZE_AFTER_SWAP_SECONDS = 30.0


def patch_model_swap(rasa_server: Any) -> None:
    """``PUT /model`` loads with ``rasa.server._load_agent``, then swaps: the new agent
    is warmed up first, and the old one can be collected once nothing uses it."""
    from bot.runtime.warm_up import freeze_what_is_loaded, warm_up_assistant

    load_agent = rasa_server._load_agent

    @functools.wraps(load_agent)
    async def load_agent_and_warm_up(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent(*args, **kwargs)
        gc.unfreeze()  # the old agent, frozen at start, is garbage after the swap
        await warm_up_assistant(agent, freeze=False)
        asyncio.get_running_loop().call_later(REFREEZE_AFTER_SWAP_SECONDS, freeze_what_is_loaded)
        return agent

    rasa_server._load_agent = load_agent_and_warm_up


class CopiesForDebugLogs:
    """Stands for the ``copy`` module in Rasa modules whose only copies are of values
    handed to structlog's ``debug`` (patch 15): no copy while those lines are dropped."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: Optional[Dict[int, Any]] = None) -> Any:
        if debug_lines_dropped():
            return value
        return copy.deepcopy(value, memo)


def debug_lines_dropped() -> bool:
    """Whether structlog's configured logger drops ``debug`` (Rasa configures a filtering
    logger at its log level: below it, a method that does nothing)."""
    import logging

    import structlog

    dropping = structlog.make_filtering_bound_logger(logging.CRITICAL).debug
    return getattr(structlog.get_config()["wrapper_class"], "debug", None) is dropping


# The Rasa modules whose ``copy.deepcopy`` calls all make values for structlog's debug.
COPIES_ONLY_FOR_DEBUG_LOGS = ("rasa.core.processor", "rasa.core.actions.forms",
                              "rasa.core.policies.rule_policy")


SUPPORTED_RASA = "3.6.21"


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not the one the patches were written and tested against."""


def check_rasa_version(installed: str) -> None:
    if installed != SUPPORTED_RASA:
        raise UnsupportedRasa(
            f"Rasa {installed} is installed; the speed patches (bot/runtime/rasa_patches.py) "
            f"are written for Rasa {SUPPORTED_RASA} only: install requirements.lock (make setup)."
        )


def apply() -> None:
    import rasa
    import rasa.core.processor

    check_rasa_version(rasa.__version__)
    from rasa.core.actions.action import RemoteAction

    from bot.runtime.graph_runner import SequentialGraphRunner

    RemoteAction._validate_action_result = validate_action_result
    from rasa.utils.endpoints import EndpointConfig

    EndpointConfig.session = kept_session
    from rasa.shared.core.domain import Domain

    Domain.is_empty = domain_is_empty
    from rasa.shared.core.events import Event

    Event.resolve_by_type = staticmethod(resolve_event_type)
    # The processor loads the model with the runner class it imported.
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
    from rasa.utils.tensorflow.models import RasaModel

    global rasas_model_load, rasas_rasa_predict
    if rasas_model_load is None:  # apply() twice must keep Rasa's, not ours
        rasas_model_load = RasaModel.load.__func__
        rasas_rasa_predict = RasaModel._rasa_predict
    RasaModel.load = classmethod(load_tensorflow_model)
    RasaModel._rasa_predict = predict_with_traced_graph
    from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer

    global rasas_create_states
    if rasas_create_states is None:
        rasas_create_states = TrackerFeaturizer._create_states  # a staticmethod
    TrackerFeaturizer._create_states = staticmethod(create_states_once)
    from rasa.shared.nlu.training_data.features import Features

    global rasas_combine_sparse_features
    if rasas_combine_sparse_features is None:
        rasas_combine_sparse_features = Features._combine_sparse_features
    Features._combine_sparse_features = combine_sparse_features
    from rasa.shared.core.trackers import DialogueStateTracker

    global rasas_copy_tracker
    if rasas_copy_tracker is None:
        rasas_copy_tracker = DialogueStateTracker.copy
    DialogueStateTracker.copy = copy_tracker
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    global rasas_create_count_features
    if rasas_create_count_features is None:
        rasas_create_count_features = CountVectorsFeaturizer._create_features
    CountVectorsFeaturizer._create_features = create_count_features
    import importlib

    for name in COPIES_ONLY_FOR_DEBUG_LOGS:
        importlib.import_module(name).copy = CopiesForDebugLogs
    import rasa.core.run

    if not hasattr(rasa.core.run.load_agent_on_start, "__wrapped__"):
        patch_load_agent_on_start(rasa.core.run)
    import rasa.server

    if not hasattr(rasa.server._load_agent, "__wrapped__"):
        patch_model_swap(rasa.server)
