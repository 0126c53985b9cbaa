"""What every blueprint of the staff console shares, in one place.

- the state: the settings, the two databases, a short SQLAlchemy session per request
  (``db()``) and the console's time zone (``tz()``), set up once by ``init_app``;
- the guard: every route needs a signed-in user except ``PUBLIC_ENDPOINTS`` (signing in
  and the static files), every POST needs the CSRF token, ``requires_role`` limits a
  route to a role and up; the API (and any client asking for JSON) gets JSON 401/403s;
- the security headers and the error pages;
- the templates' globals and filters.

A blueprint made by ``console_blueprint`` gets the guard, the headers and the error
pages, so no blueprint can differ from another in them; tests/console/test_routes.py
walks the app's url_map to prove that nothing but ``PUBLIC_ENDPOINTS`` answers without a
session.  Blueprint modules (``*_views.py``) import this module, never each other.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Callable, Dict, Optional
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, redirect
from flask import render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from bot.console.databases import Databases, format_time, zone
from bot.console.login_throttle import LoginThrottle
from bot.console.security import (
    CSRF_FIELD,
    ROLE_RANK,
    csrf_token,
    csrf_valid,
    has_role,
    load_user,
    secret_key,
)
from bot.console.sessions import SESSION_COOKIE, ServerSessionInterface
from bot.settings import VAR_DIR, Settings
from bot.storage.staff import StaffRepository
from bot.storage.staff_sessions import Lifetimes

# Reachable without a session: signing in, and the console's CSS and scripts.
STATIC_ENDPOINT = "auth.static"
PUBLIC_ENDPOINTS = frozenset({"auth.login", STATIC_ENDPOINT})
# Paths answered in JSON whatever the client accepts (the pages' own polling endpoints).
API_PREFIXES = ("/console/api/", "/console/training/api/")
ERROR_CODES = (400, 403, 404, 409)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FRONT_PAGE = "conversations.index"


# -- state

def init_app(app: Flask, config: Settings, databases: Optional[Databases] = None) -> Databases:
    """Gives ``app`` the console's databases (opened and migrated from ``config`` unless
    given, as tests do), secret key, cookie settings and template helpers."""
    databases = databases or Databases.open(config.database_url, config.tracker_store_url)
    app.secret_key = secret_key(config.console_secret_key, VAR_DIR)
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.console_secure_cookies,
        SESSION_COOKIE_PATH="/console",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=config.console_session_hours),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.session_interface = ServerSessionInterface(databases.sessions, Lifetimes(
        idle_seconds=config.console_idle_minutes * 60,
        lifetime_seconds=config.console_session_hours * 3600,
    ))
    app.extensions["console"] = {
        "config": config,
        "databases": databases,
        "throttle": LoginThrottle(databases.sessions, config.redis_url),
        "timezone": zone(config.console_timezone),
    }
    app.teardown_request(_close_session)
    app.add_template_global(csrf_field)
    app.add_template_global(can)
    app.add_template_global(page_url)
    app.add_template_filter(when)
    return databases


def _state() -> Dict[str, Any]:
    return current_app.extensions["console"]


def config() -> Settings:
    return _state()["config"]


def databases() -> Databases:
    return _state()["databases"]


def login_throttle() -> LoginThrottle:
    return _state()["throttle"]


def tz() -> dt.tzinfo:
    return _state()["timezone"]


def db() -> Session:
    """The request's SQLAlchemy session (one short session per request)."""
    if "db" not in g:
        g.db = databases().sessions()
    return g.db


def _close_session(_exc) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


# -- the guard

def wants_json() -> bool:
    return request.path.startswith(API_PREFIXES) or request.accept_mimetypes.best == "application/json"


def unauthorised():
    """No session: 401 for the API, exports and anything but a GET of a page; else sign-in."""
    if wants_json() or request.method not in ("GET", "HEAD") or request.path.endswith(
        (".csv", ".jsonl", ".yml")
    ):
        response = jsonify({"error": "sign in first"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'FormBased realm="staff console"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def requires_role(role: str) -> Callable:
    """A view only users of ``role`` or a higher one may use (403 for the others)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("user")
            if user is None:
                return unauthorised()
            if ROLE_RANK.get(user.role, -1) < ROLE_RANK[role]:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def _guard():
    """Before every console route: who is signed in, and whether they may ask this."""
    if request.endpoint == STATIC_ENDPOINT:
        return None
    g.user = load_user(StaffRepository(db()))
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST" and not csrf_valid():
            abort(400, "The form expired; please try again.")
        return None
    if g.user is None:
        return unauthorised()
    if request.method not in SAFE_METHODS and not csrf_valid():
        abort(403, "Missing or wrong CSRF token.")
    return None


def safe_next(target: Optional[str]) -> str:
    """Only a path inside the console: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/") \
                and not target.startswith("//"):
            return target
    return url_for(FRONT_PAGE)


# -- headers and errors

def security_headers(response: Response, policy: str) -> Response:
    """No framing, no sniffing, no referrer outside, and ``policy`` as the CSP (the demo
    page and widget files use it too: bot/ops/page_security.py)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = policy
    return response


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return security_headers(response, (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ))


def _error(error):
    if wants_json():
        return jsonify({"error": error.description}), error.code
    return render_template("error.html", error=error), error.code


def console_blueprint(name: str, import_name: str, url_prefix: str = "/console") -> Blueprint:
    """A blueprint of the console: the guard, the security headers and the error pages
    apply to each of its routes; its templates are bot/console/templates."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix, template_folder="templates")
    blueprint.before_request(_guard)
    blueprint.after_request(_security_headers)
    for code in ERROR_CODES:
        blueprint.register_error_handler(code, _error)
    return blueprint


# -- template globals and filters

def csrf_field() -> str:
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">')


def can(role: str) -> bool:
    return has_role(g.get("user"), role)


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return request.path + "?" + urlencode(args)


def when(timestamp: Optional[float], seconds: bool = False) -> str:
    return format_time(timestamp, tz(), seconds)
