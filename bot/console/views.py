"""The console's pages and JSON API, as a Flask blueprint mounted at /console.

Every route needs a signed-in user except the sign-in page and the static files;
``PUBLIC_ENDPOINTS`` is the whole list, and tests/console/test_routes.py walks the
app's url_map to prove that nothing else answers without a session.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    stream_with_context,
    url_for,
)

from bot.console.databases import Databases, format_time, iso_time, zone
from bot.console.exports import csv_lines, export_record, jsonl_lines, story_yaml
from bot.console.security import (
    CSRF_FIELD,
    LoginThrottle,
    csrf_token,
    csrf_valid,
    end_session,
    has_role,
    load_user,
    requires_role,
    secret_key,
    start_session,
    unauthorised,
)
from bot.console.transcript import build_transcript
from bot.settings import PROJECT_ROOT, VAR_DIR, Settings
from bot.storage.annotations import AnnotationRepository, AuditRepository
from bot.storage.conversations import ConversationFilter, ConversationRepository
from bot.storage.staff import StaffRepository
from bot.storage.tickets import HandoffTicket

STATIC_DIR = PROJECT_ROOT / "web" / "console"
PER_PAGE = 50
# Reachable without a session: signing in, and the console's CSS.
PUBLIC_ENDPOINTS = frozenset({"console.login", "console.static"})

console = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


# -- wiring

def init_console(app: Flask, config: Settings, databases: Optional[Databases] = None) -> None:
    """Mounts the console on ``app`` with its databases, secret key and cookie settings."""
    from bot.console.agent_views import init_agent_inbox  # live handoff: /console/agent

    init_agent_inbox(app, config, watch=databases is None)  # the watcher: pages process only
    databases = databases or Databases.open(config.database_url, config.tracker_store_url)
    app.secret_key = secret_key(config.console_secret_key, VAR_DIR)
    app.config.update(
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.console_secure_cookies,
        SESSION_COOKIE_PATH="/console",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=config.console_session_hours),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["console"] = {
        "databases": databases,
        "throttle": LoginThrottle(),
        "timezone": zone(config.console_timezone),
    }
    from bot.console import staff_views  # noqa: F401  (its routes join this blueprint)

    app.register_blueprint(console)
    from bot.console.training_views import init_training  # trainers' pages: /console/training

    init_training(app, config)


def _state() -> Dict[str, Any]:
    return current_app.extensions["console"]


def db():
    """The request's SQLAlchemy session (one short session per request)."""
    if "db" not in g:
        g.db = _state()["databases"].sessions()
    return g.db


def tz() -> dt.tzinfo:
    return _state()["timezone"]


@console.teardown_app_request
def _close_session(_exc) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


@console.before_request
def _authenticate():
    if request.endpoint == "console.static":
        return None
    g.user = load_user(StaffRepository(db()))
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST" and not csrf_valid():
            abort(400, "The form expired; please try again.")
        return None
    if g.user is None:
        return unauthorised()
    if request.method not in ("GET", "HEAD", "OPTIONS") and not csrf_valid():
        abort(403, "Missing or wrong CSRF token.")
    return None


@console.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@console.app_template_global()
def csrf_field() -> str:
    from markupsafe import Markup, escape

    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">')


@console.app_template_filter("when")
def _when(timestamp: Optional[float], seconds: bool = False) -> str:
    return format_time(timestamp, tz(), seconds)


@console.app_template_global()
def can(role: str) -> bool:
    return has_role(g.get("user"), role)


@console.app_template_global()
def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return request.path + "?" + urlencode(args)


@console.errorhandler(400)
@console.errorhandler(403)
@console.errorhandler(404)
def _error(error):
    if request.path.startswith("/console/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": error.description}), error.code
    return render_template("error.html", error=error), error.code


# -- public

@console.route("/static/<path:filename>")
def static(filename: str):
    return send_from_directory(STATIC_DIR, filename, max_age=300)


def _safe_next(target: Optional[str]) -> str:
    """Only a path inside the console: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/") \
                and not target.startswith("//"):
            return target
    return url_for("console.conversations")


@console.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.user is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    throttle: LoginThrottle = _state()["throttle"]
    address = request.remote_addr or "?"
    username = (request.form.get("username") or "").strip().lower()[:64]
    password = request.form.get("password") or ""
    target = request.form.get("next", "")
    if throttle.blocked(address, username):
        return render_template(
            "login.html", next=target, username=username,
            problem="Too many failed attempts. Wait 15 minutes and try again.",
        ), 429
    staff = StaffRepository(db())
    user = staff.authenticate(username, password)
    audit = AuditRepository(db())
    if user is None:
        throttle.failed(address, username)
        audit.record(username or "?", "sign_in_failed", address=address)
        db().commit()
        return render_template(
            "login.html", next=target, username=username,
            problem="Wrong user name or password.",
        ), 401
    throttle.succeeded(address, username)
    audit.record(user.username, "signed_in", address=address)
    db().commit()
    start_session(user)
    return redirect(_safe_next(target))


# -- signed in

@console.route("/")
def home():
    return redirect(url_for("console.conversations"))


@console.route("/logout", methods=["POST"])
def logout():
    AuditRepository(db()).record(g.user.username, "signed_out")
    db().commit()
    end_session()
    return redirect(url_for("console.login"))


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _list_context():
    conversation_filter, problems = ConversationFilter.from_args(request.args)
    page = _page_number()
    repository = ConversationRepository(db(), tz())
    rows, total = repository.page(conversation_filter, page, PER_PAGE)
    ids = [r.conversation_id for r in rows]
    return {
        "filter": conversation_filter,
        "problems": problems,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "tags": repository.tags_for(ids),
        "reviews": repository.reviewed_among(ids),
        "repository": repository,
    }


def _catalogue_errors() -> List[tuple]:
    from bot.catalogue import load_catalogue

    return [(e.intent, e.title["en"]) for e in load_catalogue().errors]


@console.route("/conversations")
def conversations():
    context = _list_context()
    export_args = urlencode(context["filter"].to_args())
    return render_template(
        "conversations.html", **context, errors=_catalogue_errors(),
        all_tags=context["repository"].all_tags(), export_args=export_args,
    )


def _conversation_json(row, tags, review) -> Dict[str, Any]:
    record = export_record(row, tags, review.reviewed_by if review else None, tz())
    record["url"] = url_for("console.conversation", conversation_id=row.conversation_id)
    return record


@console.route("/api/conversations")
def api_conversations():
    context = _list_context()
    if context["problems"]:
        return jsonify({"error": "bad filter", "problems": context["problems"]}), 400
    return jsonify({
        "total": context["total"],
        "page": context["page"],
        "pages": context["pages"],
        "per_page": PER_PAGE,
        "filter": context["filter"].to_args(),
        "conversations": [
            _conversation_json(
                r, context["tags"][r.conversation_id], context["reviews"].get(r.conversation_id)
            )
            for r in context["rows"]
        ],
    })


def _export_records(conversation_filter: ConversationFilter):
    repository = ConversationRepository(db(), tz())
    batch: list = []

    def flush():
        ids = [r.conversation_id for r in batch]
        tags, reviews = repository.tags_for(ids), repository.reviewed_among(ids)
        for r in batch:
            review = reviews.get(r.conversation_id)
            yield export_record(r, tags[r.conversation_id],
                                review.reviewed_by if review else None, tz())

    for row in repository.iterate(conversation_filter):
        batch.append(row)
        if len(batch) >= 500:
            yield from flush()
            batch = []
    yield from flush()


def _export(kind: str):
    conversation_filter, problems = ConversationFilter.from_args(request.args)
    if problems:
        abort(400, "; ".join(problems))
    AuditRepository(db()).record(g.user.username, f"exported_{kind}", filter=conversation_filter.to_args())
    db().commit()
    stamp = dt.datetime.now(tz()).strftime("%Y%m%d-%H%M")
    records = _export_records(conversation_filter)
    if kind == "csv":
        body, mimetype = csv_lines(records), "text/csv; charset=utf-8"
    else:
        body, mimetype = jsonl_lines(records), "application/x-ndjson; charset=utf-8"
    return Response(
        stream_with_context(body), mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.{kind}"'},
    )


@console.route("/conversations.csv")
def export_csv():
    return _export("csv")


@console.route("/conversations.jsonl")
def export_jsonl():
    return _export("jsonl")


def _load_conversation(conversation_id: str):
    summary = ConversationRepository(db(), tz()).get(conversation_id)
    events = _state()["databases"].events.events_for(conversation_id)
    if summary is None and not events:
        abort(404, "No such conversation.")
    tickets = list(
        db().query(HandoffTicket)
        .filter(HandoffTicket.conversation_id == conversation_id)
        .order_by(HandoffTicket.id)
    )
    return summary, events, tickets


@console.route("/conversations/<conversation_id>")
def conversation(conversation_id: str):
    summary, events, tickets = _load_conversation(conversation_id)
    annotations = AnnotationRepository(db(), g.user.username)
    return render_template(
        "conversation.html",
        conversation_id=conversation_id, summary=summary,
        items=build_transcript(events, tickets), tickets=tickets,
        tags=annotations.tags(conversation_id), notes=annotations.notes(conversation_id),
        review=annotations.review(conversation_id),
        history=AuditRepository(db()).for_conversation(conversation_id),
        back=_safe_next(request.args.get("back")),
    )


@console.route("/api/conversations/<conversation_id>")
def api_conversation(conversation_id: str):
    summary, events, tickets = _load_conversation(conversation_id)
    annotations = AnnotationRepository(db(), g.user.username)
    review = annotations.review(conversation_id)
    tags = [t.tag for t in annotations.tags(conversation_id)]
    return jsonify({
        "conversation_id": conversation_id,
        "summary": _conversation_json(summary, tags, review) if summary else None,
        "transcript": [
            {**item.as_dict(), "time": iso_time(item.timestamp, tz())}
            for item in build_transcript(events, tickets)
        ],
        "tags": tags,
        "notes": [
            {"body": n.body, "by": n.created_by, "at": iso_time(n.created_at, tz())}
            for n in annotations.notes(conversation_id)
        ],
        "reviewed": {"by": review.reviewed_by, "at": iso_time(review.reviewed_at, tz())}
        if review else None,
    })


def _back_to_conversation(conversation_id: str):
    return redirect(url_for("console.conversation", conversation_id=conversation_id,
                            back=request.form.get("back") or None))


def _annotate(conversation_id: str, change) -> Response:
    """Applies one change by the signed-in user to a conversation's annotations and
    goes back to it; a refused change (bad tag, empty note) is shown, not saved."""
    try:
        change(AnnotationRepository(db(), g.user.username))
        db().commit()
    except ValueError as problem:  # InvalidTag is a ValueError
        db().rollback()
        flash(str(problem), "error")
    return _back_to_conversation(conversation_id)


@console.route("/conversations/<conversation_id>/tags", methods=["POST"])
def add_tag(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.add_tag(
        conversation_id, request.form.get("tag", "")))


@console.route("/conversations/<conversation_id>/tags/remove", methods=["POST"])
def remove_tag(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.remove_tag(
        conversation_id, request.form.get("tag", "")))


@console.route("/conversations/<conversation_id>/notes", methods=["POST"])
def add_note(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.add_note(
        conversation_id, request.form.get("body", "")))


@console.route("/conversations/<conversation_id>/review", methods=["POST"])
def set_reviewed(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.set_reviewed(
        conversation_id, request.form.get("reviewed") == "yes"))


@console.route("/conversations/<conversation_id>/story.yml")
@requires_role("trainer")
def story(conversation_id: str):
    _summary, events, _tickets = _load_conversation(conversation_id)
    AuditRepository(db()).record(g.user.username, "exported_story", conversation_id)
    db().commit()
    safe_name = "".join(c for c in conversation_id if c.isalnum() or c in "-_")[:40] or "conversation"
    return Response(
        story_yaml(conversation_id, events, g.user.username),
        mimetype="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="story-{safe_name}.yml"'},
    )
