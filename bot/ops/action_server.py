"""The action server: rasa-sdk's app, refusing whoever is not the Rasa server.

    python -m bot.ops.action_server --port 5055   (the launcher starts it)

rasa-sdk 3.6 has no authentication of its own, and a direct POST to /webhook opened
forged tickets and overwrote another customer's contact e-mail (issue 14, item 2).  So:

- Rasa sends a shared secret in the ``X-Action-Token`` header: endpoints.yml sets it from
  the environment variable ACTION_SERVER_TOKEN (Rasa expands ``${...}`` there), which the
  launcher fills from the setting of that name or a secret made once per machine into
  var/action-server-token (mode 600).  Any request but /health without it gets 401;
  the server does not start without a token.
- The conversation id of the call must pass the channels' check
  (bot/runtime/inbound.py ``sender_problem``): 400 otherwise.
- Bodies over 64 KB are refused before they are read (413), as on Rasa; Rasa compresses
  its large calls (COMPRESS_ACTION_SERVER_REQUEST, set by the launcher, and patch 10 of
  bot/runtime/rasa_patches.py) so a long conversation's tracker fits.  A request must
  arrive whole within REQUEST_READ_TIMEOUT_SECONDS (bot/runtime/slow_clients.py).
- The check reads the call's JSON once; rasa-sdk's webhook gets the same object through
  Sanic's ``request.json`` instead of parsing the body again.
"""
from __future__ import annotations

import argparse
import hmac
import json
import logging
import sys
import zlib
from typing import Any, Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime import slow_clients
from bot.runtime.inbound import sender_problem
from bot.runtime.warm_up import warm_up_actions
from bot.settings import settings

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
# The same cap as Rasa's (bot/ops/launcher.py MAX_REQUEST_BYTES) and nginx's.
MAX_REQUEST_BYTES = 65536
# A compressed call may unpack to at most this (a deflate bomb stays small).
MAX_UNPACKED_BYTES = 8 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})


def token_matches(sent: Optional[str], token: str) -> bool:
    """Whether the header holds the token (compared in constant time; never for no token)."""
    return bool(token) and hmac.compare_digest((sent or "").encode(), token.encode())


def action_call(body: bytes, encoding: Optional[str]) -> Any:
    """The JSON of a call as rasa-sdk reads it (deflate-compressed or not); None if it is
    not JSON or unpacks past MAX_UNPACKED_BYTES."""
    try:
        if encoding == "deflate":
            unpacker = zlib.decompressobj()
            body = unpacker.decompress(body, MAX_UNPACKED_BYTES)
            if unpacker.unconsumed_tail:
                return None
        return json.loads(body)
    except (ValueError, zlib.error, RecursionError):
        return None


def call_problem(call: Any) -> Optional[str]:
    """Why an action call cannot be run, or None."""
    if not isinstance(call, dict) or not isinstance(call.get("tracker"), dict):
        return "the body must be an action call with a tracker"
    return sender_problem(call["tracker"].get("sender_id"))


def too_large(request: Request) -> bool:
    """Whether the request's body is (announced as) over MAX_REQUEST_BYTES."""
    announced = request.headers.get("content-length", "")
    return (announced.isdigit() and int(announced) > MAX_REQUEST_BYTES) or \
        len(request.body or b"") > MAX_REQUEST_BYTES


def refusal(request: Request, token: str) -> Optional[HTTPResponse]:
    """The answer to a request that may not reach rasa-sdk (401, 413, 400), or None.  A
    plain action call that passes is left parsed on the request (``parsed_json``), which
    rasa-sdk's webhook reads as ``request.json``: the body is not parsed twice."""
    if request.path in OPEN_PATHS:
        return None
    if not token_matches(request.headers.get(TOKEN_HEADER), token):
        logger.warning("refused a call to %r without the action server's token", request.path)
        return response.json({"error": "not authorised"}, status=401)
    if too_large(request):
        # Sanic refuses it while reading, then runs the middleware on what it read.
        return response.json({"error": f"the body must be under {MAX_REQUEST_BYTES} bytes"},
                             status=413)
    if request.path == "/webhook" and request.method == "POST":
        encoding = request.headers.get("Content-Encoding")
        call = action_call(request.body, encoding)
        problem = call_problem(call)
        if problem:
            logger.warning("refused an action call: %s", problem)
            return response.json({"error": problem}, status=400)
        if encoding is None:  # rasa-sdk inflates and parses a deflated call itself
            request.parsed_json = call
    return None


def create_app(token: str, action_package: str = "actions") -> Sanic:
    """rasa-sdk's app for ``action_package``, with the token and conversation id checked
    before any action runs."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    if not token:
        raise ValueError("the action server needs a token (ACTION_SERVER_TOKEN)")
    app = create_sdk_app(action_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES

    @app.on_request
    async def authenticate(request: Request) -> Optional[HTTPResponse]:
        return refusal(request, token)

    return app


def main(argv: Optional[list] = None) -> int:
    from rasa_sdk import utils

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings().action_port)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    config = settings()
    if not config.action_server_token:
        print("ACTION_SERVER_TOKEN is not set: the action server refuses to start without "
              "it (bot/ops/launcher.py sets it).", file=sys.stderr)
        return 2
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    slow_clients.apply(config.request_read_timeout_seconds)
    app = create_app(config.action_server_token, args.actions)
    # Ready only when the first customer's actions are fast (each worker process).
    app.register_listener(lambda *_: warm_up_actions(config.database_url), "before_server_start")
    # Loopback only: nothing but the Rasa servers (or nginx) may call actions.
    logger.info("Action server on http://127.0.0.1:%s", args.port)
    app.run("127.0.0.1", args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
