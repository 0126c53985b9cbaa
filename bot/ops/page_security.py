"""Security headers of the demo page and the widget's files, and which chat servers the
demo page may point the widget at (issue 14 item 9).

The page could be framed by any site (clickjacking) and ``?server=`` pointed the widget
at any host, so a link to our own page could carry customers' chats elsewhere.  Now:

- every file under web/ is sent with a Content-Security-Policy (scripts, styles and
  frames from this origin only, ``frame-ancestors 'none'``), X-Frame-Options DENY,
  nosniff and a same-origin Referrer-Policy; the console sets its own (shared.py);
- the page may connect (CSP ``connect-src``) only to the allowed chat servers, and a
  ``?server=`` naming another is refused with a 400 before the page is sent.

The allowed servers are WIDGET_SERVERS (origins, comma-separated) or, by default, the
page's own origin and the Rasa server as the widget finds it by default: the page's host
on RASA_PORT, over http or https.
"""
from __future__ import annotations

from typing import List, Tuple
from urllib.parse import urlsplit

from flask import Response

from bot.console.shared import security_headers
from bot.settings import Settings


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL, lower-case; "" for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def allowed_servers(config: Settings, page_origin: str) -> Tuple[str, ...]:
    """The chat servers the demo page served from ``page_origin`` may use."""
    if config.widget_servers:
        return tuple(filter(None, (origin_of(server) for server in config.widget_servers)))
    host = urlsplit(page_origin).hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return (page_origin, f"http://{host}:{config.rasa_port}", f"https://{host}:{config.rasa_port}")


def server_allowed(server: str, allowed: Tuple[str, ...]) -> bool:
    return bool(origin_of(server)) and origin_of(server) in allowed


def _socket_origins(origins: Tuple[str, ...]) -> List[str]:
    """Each origin and its websocket twin (socket.io polls over http, then upgrades)."""
    result = []
    for origin in origins:
        result += [origin, origin.replace("http", "ws", 1)]
    return result


def add_page_headers(response: Response, allowed: Tuple[str, ...]) -> Response:
    return security_headers(response, (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        # The widget shows http(s) images from the assistant's answers.
        "img-src 'self' data: https: http:; "
        f"connect-src 'self' {' '.join(_socket_origins(allowed))}; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ))
