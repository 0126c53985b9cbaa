"""Custom actions run inside the Rasa process, with no action server (production profile).

Each action call went from Rasa over HTTP, through nginx, to the action server and back:
about a tenth of a turn's CPU in all (py-spy, issue 15), for actions that take well under
a millisecond themselves.  Rasa 3.6 has no way to run them in-process (Rasa Pro 3.10
added one), so ``InProcessActions`` is Rasa's endpoint for the actions whose ``request``
hands the call to rasa-sdk's ``ActionExecutor`` instead of posting it.  Everything around
it stays Rasa's (``RemoteAction`` builds the call, checks the reply against its schema,
utters the responses and reads the events) and everything inside it rasa-sdk's (the
``Tracker`` made from the call, the dispatcher, the events checked): only HTTP is gone.

The call and the reply are written as JSON and read back, as on the wire: an action sees
the values it would see in the action server (lists, text keys) and cannot change Rasa's
objects, nor Rasa the action's.  That costs a twentieth of what the HTTP round trip did.

Failures answer as the action server behind nginx did:
- an action that rejects (``ActionExecutionRejection``) is a 400 with rasa-sdk's body,
  which Rasa turns into ``ActionExecutionRejected`` (a form's validation uses it);
- an action nobody registered is rasa-sdk's 404, which Rasa logs and reports;
- an action that raises is logged with its traceback, and the reply is the one nginx gave
  when the action server failed (bot/runtime/action_calls.py): the customer reads that
  something went wrong and is offered a person, never silence.

The launcher asks for it in endpoints.yml (``action_endpoint: {actions_package: actions}``,
when ACTIONS_IN_PROCESS is on: the production profile's default); ``apply`` makes Rasa's
reading of endpoints.yml put this endpoint in place of a URL's.  Actions that block (the
escalation's ticket writes) block their Rasa process's loop for that long, as they
blocked the action server's.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.runtime.action_calls import ACTION_FAILED_REPLY, PACKAGE_KEY
from bot.runtime.rasa_patches import call_body, check_rasa_version

logger = logging.getLogger(__name__)


def wire_copy(value: Any) -> Any:
    """``value`` as the other side of an HTTP call would read it: written as Rasa's calls
    are written (bot/runtime/rasa_patches.py ``call_body``) and read as JSON."""
    return json.loads(call_body(value))


class InProcessActions(EndpointConfig):
    """Rasa's action endpoint, answered by rasa-sdk's executor in this process."""

    def __init__(self, package: str, **kwargs: Any) -> None:
        # No URL: a caller that would post to it gets Rasa's own error, not a request.
        super().__init__(url=None, **kwargs)
        self.package = package
        self._executor: Any = None

    @property
    def executor(self) -> Any:
        """rasa-sdk's executor with the package's actions, made on first use (the warm-up)."""
        if self._executor is None:
            from rasa_sdk.executor import ActionExecutor

            executor = ActionExecutor()
            executor.register_package(self.package)
            self._executor = executor
        return self._executor

    async def request(self, method: str = "post", subpath: Optional[str] = None,
                      content_type: Optional[str] = "application/json",
                      compress: bool = False, **kwargs: Any) -> Any:
        """What the action server would have answered to a POST of ``json``."""
        from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

        call = wire_copy(kwargs.get("json"))
        action_name = call.get("next_action") if isinstance(call, dict) else None
        try:
            reply = await self.executor.run(call)
        except ActionExecutionRejection as rejection:
            raise _refused(400, "Bad Request", rejection) from rejection
        except ActionNotFoundException as missing:
            logger.error(missing)
            raise _refused(404, "Not Found", missing) from missing
        except Exception:
            logger.exception("The action %r failed; the customer is told so", action_name)
            return wire_copy(ACTION_FAILED_REPLY)
        return wire_copy(reply)

    def warm_up(self, database_url: str) -> None:
        """The actions imported and what their first calls read (bot/runtime/warm_up.py)."""
        from bot.runtime.warm_up import load_what_actions_use

        self.executor  # noqa: B018 -- imports the package and registers its actions
        load_what_actions_use(database_url)

    @classmethod
    def like(cls, endpoint: EndpointConfig, package: str, kwargs: dict) -> "InProcessActions":
        """An endpoint for ``package`` with ``endpoint``'s settings and ``kwargs``."""
        return cls(package, params=endpoint.params, headers=endpoint.headers,
                   basic_auth=endpoint.basic_auth, token=endpoint.token,
                   token_name=endpoint.token_name, **kwargs)

    def copy(self) -> "InProcessActions":
        return InProcessActions.like(self, self.package, self.kwargs)


def _refused(status: int, reason: str, error: Any) -> ClientResponseError:
    """rasa-sdk's error answer (endpoint.py ``webhook``) as Rasa's client raises it."""
    body = {"error": error.message, "action_name": error.action_name}
    return ClientResponseError(status, reason, json.dumps(body))


def in_process_if_asked(endpoint: Optional[EndpointConfig]) -> Optional[EndpointConfig]:
    """The endpoint read from endpoints.yml, or ``InProcessActions`` where it names a package."""
    if endpoint is None or not endpoint.kwargs.get(PACKAGE_KEY):
        return endpoint
    kwargs = dict(endpoint.kwargs)
    package = kwargs.pop(PACKAGE_KEY)
    return InProcessActions.like(endpoint, package, kwargs)


rasas_read_endpoints: Any = None


def read_endpoints(cls: Any, endpoint_file: str) -> Any:
    """Rasa's ``AvailableEndpoints.read_endpoints``, with the action endpoint in-process
    where endpoints.yml asks for it."""
    endpoints = rasas_read_endpoints(cls, endpoint_file)
    endpoints.action = in_process_if_asked(endpoints.action)
    return endpoints


def apply() -> None:
    """Rasa reads endpoints.yml through ``read_endpoints`` (`rasa run`, and ``PUT /model``'s
    new agent gets the endpoints read at start)."""
    import rasa
    from rasa.core.utils import AvailableEndpoints

    check_rasa_version(rasa.__version__)
    global rasas_read_endpoints
    if rasas_read_endpoints is None:  # apply() twice must keep Rasa's, not ours
        rasas_read_endpoints = AvailableEndpoints.read_endpoints.__func__
    AvailableEndpoints.read_endpoints = classmethod(read_endpoints)
