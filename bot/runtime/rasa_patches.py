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

Each patch replaces a function of Rasa 3.6.21 with one written against its code, so
``apply`` refuses any other version of Rasa (``UnsupportedRasa``) rather than patch code
it has not been checked against.
"""
from __future__ import annotations

import functools
import asyncio
import copy
from typing import Any, Dict, Text, Tuple

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


class _KeptSession:
    """``async with`` gives the endpoint's long-lived session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

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
