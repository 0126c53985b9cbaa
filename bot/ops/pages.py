"""Serves the web pages: the demo bank page with the chat widget (web/) and the staff
console (/console), in one process on PAGES_PORT.

    python -m bot.ops.pages [--port 8080]     (--port 0: one the OS chooses, printed)

A Flask app served by waitress (a pure-Python, production-grade WSGI server).  The
static files answer exactly as before: ``/`` is the demo page, ``/widget/...``,
``/vendor/...`` and ``/demo/...`` are files under web/.  At start-up the project's
tables are migrated to the latest schema and, when there is no staff account yet, the
first admin is created (its password from CONSOLE_ADMIN_PASSWORD, or printed once).

``create_app`` is the one app factory, used by this server and by the tests (which pass
their own ``settings({...})`` and databases); it lists every blueprint the app mounts.
"""
from __future__ import annotations

import argparse
import logging
import socket
import sys
from typing import Optional

from flask import Flask, Response, abort, jsonify, request, send_from_directory
from markupsafe import escape

from bot.console import shared
from bot.console.agent_views import init_agent_inbox
from bot.console.auth_views import auth
from bot.console.canned_views import canned
from bot.console.conversation_views import conversations
from bot.console.databases import Databases
from bot.console.staff_views import staff_pages
from bot.console.training_views import init_training
from bot.ops.page_security import add_page_headers, allowed_servers, server_allowed
from bot.settings import PROJECT_ROOT, Settings, settings

WEB_ROOT = PROJECT_ROOT / "web"
# Served by the console itself (with its own route and headers), not as a web/ file.
_CONSOLE_STATIC = "console/"
DEMO_PAGE = "demo/index.html"


def demo_page_html(config: Settings) -> str:
    """The demo bank page, branded with the bank's name (BANK_NAME), as the fixes and the
    greeting name it; the name is escaped like any text put into HTML."""
    name = str(escape(config.bank_name))
    page = (WEB_ROOT / DEMO_PAGE).read_text(encoding="utf-8")
    return page.replace("{{BANK_NAME}}", name).replace("{{BANK_INITIAL}}", name[:1])


def create_app(config: Optional[Settings] = None, databases: Optional[Databases] = None) -> Flask:
    """The pages app: web/, /health and the staff console under /console.

    Without ``databases`` (the pages process) it opens and migrates the configured ones and
    starts the agent inbox's claim-timeout watcher; tests pass theirs and get no watcher.
    """
    config = config or settings()
    app = Flask(__name__, static_folder=None)

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    def _allowed_servers():
        return allowed_servers(config, request.host_url.rstrip("/"))

    @app.get("/")
    def demo_page():
        server = request.args.get("server")
        if server is not None and not server_allowed(server, _allowed_servers()):
            return f"The chat server {server!r} is not allowed on this page (WIDGET_SERVERS).\n", 400, {
                "Content-Type": "text/plain; charset=utf-8"}
        return Response(demo_page_html(config), mimetype="text/html")

    @app.after_request
    def page_headers(response):
        if request.blueprint is None:  # web/ and /health; the console sets its own
            add_page_headers(response, _allowed_servers())
        return response

    @app.get("/<path:filename>")
    def web_file(filename: str):
        if filename.startswith(_CONSOLE_STATIC):
            abort(404)
        if filename == DEMO_PAGE:
            return demo_page()
        return send_from_directory(WEB_ROOT, filename)

    # The live-handoff inbox first: a wrong HANDOFF_HOURS stops the start before migrating.
    init_agent_inbox(app, config, watch=databases is None)  # /console/agent, /console/api/agent
    shared.init_app(app, config, databases)
    for blueprint in (auth, conversations, staff_pages, canned):
        app.register_blueprint(blueprint)
    init_training(app)  # /console/training
    return app


def main(argv=None) -> int:
    from bot.ops.slow_clients import create_server
    from bot.ops.users import ensure_first_admin

    parser = argparse.ArgumentParser(description="Serve the web pages and the staff console.")
    parser.add_argument("--port", type=int, default=settings().pages_port)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config = settings()
    app = create_app(config)
    ensure_first_admin(app.extensions["console"]["databases"], config.console_admin_password)
    listen = {"host": args.host, "port": args.port}
    if args.port == 0:
        # A port the OS chooses as it binds (benchmarks and tests: never a fixed one);
        # the line below says which.
        bound = socket.socket()
        bound.bind((args.host, 0))
        listen = {"sockets": [bound]}
    print(f"Staff console: http://localhost:{bound.getsockname()[1] if args.port == 0 else args.port}/console",
          flush=True)
    server = create_server(app, config.pages_request_seconds, threads=8, ident="pages",
                           clear_untrusted_proxy_headers=True, **listen)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
