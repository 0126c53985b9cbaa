"""Serves the web pages: the demo bank page with the chat widget (web/).

    python -m bot.pages [--port 8080]

aiohttp comes with Rasa already; static files need nothing more.
"""
from __future__ import annotations

import argparse
import sys

from aiohttp import web

from bot.settings import PROJECT_ROOT, settings

WEB_ROOT = PROJECT_ROOT / "web"


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/", lambda _r: web.FileResponse(WEB_ROOT / "demo" / "index.html"))
    app.router.add_static("/", WEB_ROOT, show_index=False, follow_symlinks=False)
    return app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Serve the web pages.")
    parser.add_argument("--port", type=int, default=settings().pages_port)
    args = parser.parse_args(argv)
    web.run_app(make_app(), host="127.0.0.1", port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
