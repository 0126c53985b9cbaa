"""The agent inbox: live chats handed over by the assistant (bot/handoff/).

    /console/agent/                          the inbox: waiting chats with their summary,
                                             chats in progress, open follow-ups; the
                                             agent's duty switch and first name
    /console/agent/chats/<conversation_id>   one chat: summary, messages, reply, hand back,
                                             resolve
    /console/api/agent/inbox                 the inbox as JSON (polled every second)
    /console/api/agent/chats/<id>/messages   the chat's messages after an event id (polled)
    /console/api/agent/chats/<id>/suggestion the fix for an error (?error=, ?language=) with
                                             the customer's values (agent assist)

Every page works as plain forms; web/console/agent.js polls the JSON endpoints and
sends the forms with fetch so that the page updates without reloading.  Any signed-in
staff user may take chats (the ``agent`` role and up).  Sign-in, CSRF and the security
headers are the console's (bot/console/shared.py), applied to this blueprint too.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from bot.console import shared
from bot.console.message_format import format_message, format_plain
from bot.console.shared import console_blueprint, databases
from bot.handoff import agents, assist, inbox as queries, lifecycle
from bot.handoff.hours import opening_hours
from bot.handoff.rasa_api import RasaApi, RasaUnavailable
from bot.handoff.watcher import ClaimTimeoutWatcher
from bot.settings import Settings
from bot.storage.tickets import ACTIVE_STATUSES, CLAIMED, HandoffTicket
from bot.storage.unit_of_work import UnitOfWork

agent = console_blueprint("agent", __name__)
# The largest integer SQLite and PostgreSQL (BIGINT) store.
MAX_STORED_INT = 2 ** 63 - 1

POLL_MS = 1000


def init_agent_inbox(app: Flask, config: Settings, watch: bool = False) -> None:
    """Mounts the inbox; ``watch``: also start the claim-timeout watcher (the pages process)."""
    app.extensions["agent_inbox"] = {
        "config": config,
        "hours": opening_hours(config, strict=True),
        "api": RasaApi.from_settings(config),
    }
    app.register_blueprint(agent)
    if watch and config.handoff_claim_timeout_seconds > 0:
        ClaimTimeoutWatcher.from_settings(config).start()


def _state() -> Dict[str, Any]:
    return current_app.extensions["agent_inbox"]


def _api() -> RasaApi:
    return _state()["api"]


def _uow() -> UnitOfWork:
    return UnitOfWork(databases().sessions)


def _catalogue_errors() -> List[tuple]:
    from bot.catalogue import load_catalogue

    return [(e.intent, e.title["en"]) for e in load_catalogue().errors]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.headers.get(
        "X-Requested-With") == "fetch"


def _fail(message: str, status: int, target: str):
    if _wants_json():
        return jsonify({"error": message}), status
    flash(message, "error")
    return redirect(target)


def _done(message: Optional[str], target: str, **extra):
    if _wants_json():
        return jsonify({"ok": True, "message": message, **extra})
    if message:
        flash(message, "ok")
    return redirect(target)


def _active_ticket(conversation_id: str) -> HandoffTicket:
    ticket = queries.latest_ticket(_uow(), conversation_id)
    if ticket is None:
        abort(404, "No handoff ticket for this conversation.")
    return ticket


def _stored_int(text: str) -> int:
    """An id or event id from a request: a ValueError unless the databases can hold it
    (a larger one overflowed into a 500, issue 14 item 9)."""
    value = int(text)
    if abs(value) > MAX_STORED_INT:
        raise ValueError(f"{text} is not an id")
    return value


def _follow_up_page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _backlog_warning(active: int) -> Optional[str]:
    """Words for the agents when unclosed tickets pass HANDOFF_ACTIVE_WARNING."""
    limit = _state()["config"].handoff_active_warning
    if limit <= 0 or active <= limit:
        return None
    return (f"{active} tickets are unclosed (more than {limit}): a backlog, or a flood of "
            "escalations. Close what is done or spam, and tell whoever runs the service.")


def _inbox_json(now: dt.datetime) -> Dict[str, Any]:
    search = (request.args.get("q") or "").strip()[:100]
    lists = queries.inbox(_uow(), now, _follow_up_page(), search)
    profile = agents.agent_profile(_uow(), g.user.username)
    available = agents.team_available(_uow(), _state()["hours"], now)

    def item(entry: queries.InboxEntry) -> Dict[str, Any]:
        record = entry.as_dict()
        record["url"] = url_for("agent.chat", conversation_id=entry.ticket.conversation_id)
        record["mine"] = record["claimed_by"] == g.user.username
        return record

    return {
        "now": now.isoformat(),
        "me": {"username": g.user.username, "first_name": profile.first_name,
               "on_duty": profile.on_duty, "name_confirmed": profile.name_confirmed},
        "team_available": available,
        "open_now": _state()["hours"].is_open(now),
        "waiting": [item(e) for e in lists["waiting"]],
        "claimed": [item(e) for e in lists["claimed"]],
        "open": [item(e) for e in lists["open"]],
        "open_total": lists["open_total"],
        "active_total": lists["active_total"],
        "active_warning": _backlog_warning(lists["active_total"]),
        "open_search": search,
        "open_page": lists["open_page"],
        "open_pages": lists["open_pages"],
    }


# -- the inbox

@agent.app_template_filter("waited")
def waited_text(seconds: Any) -> str:
    """How long a customer has waited, as a duration ("9 min", "2 h 5 min", "3 d 4 h"),
    never as "8:59", which reads like a time of day.  web/console/agent.js counts on the
    same way between two polls."""
    minutes = max(0, int(seconds or 0)) // 60
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


@agent.route("/agent/")
def inbox():
    data = _inbox_json(lifecycle.utcnow())
    if request.args.get("fragment"):
        # What agent.js swaps in every second: the lists only.
        return render_template("agent/_lists.html", data=data)
    return render_template("agent/inbox.html", data=data, poll_ms=POLL_MS,
                           hours=_state()["config"].handoff_hours)


@agent.route("/api/agent/inbox")
def api_inbox():
    return jsonify(_inbox_json(lifecycle.utcnow()))


@agent.route("/agent/duty", methods=["POST"])
def duty():
    on = request.form.get("on_duty") == "yes"
    try:
        if on:
            agents.require_confirmed_name(agents.agent_profile(_uow(), g.user.username))
        agents.set_on_duty(_uow(), g.user.username, on)
    except lifecycle.HandoffError as problem:
        return _fail(str(problem), 400, url_for("agent.inbox"))
    return _done("You are on duty: new chats come to you." if on else "You are off duty.",
                 url_for("agent.inbox"), on_duty=on)


@agent.route("/agent/name", methods=["POST"])
def first_name():
    try:
        profile = agents.set_first_name(_uow(), g.user.username, request.form.get("first_name", ""))
    except lifecycle.HandoffError as problem:
        return _fail(str(problem), 400, url_for("agent.inbox"))
    return _done(f"Customers see you as {profile.first_name}.", url_for("agent.inbox"),
                 first_name=profile.first_name)


# -- one chat

@agent.route("/agent/follow-ups/close", methods=["POST"])
def close_follow_ups():
    """Closes the ticked follow-ups (spam, a flood of escalations) with a reason, audited."""
    back = shared.safe_next(request.form.get("back"))
    try:
        ids = [_stored_int(i) for i in request.form.getlist("ticket")]
    except ValueError:
        return _fail("Choose follow-ups by their case numbers.", 400, back)
    try:
        closed = lifecycle.close_follow_ups(_uow(), ids, g.user.username,
                                            request.form.get("reason", ""))
    except lifecycle.HandoffError as problem:
        return _fail(str(problem), 400, back)
    left = len(set(ids)) - len(closed)
    message = f"Closed {len(closed)} follow-up{'s' if len(closed) != 1 else ''}."
    if left:
        message += f" {left} had been taken or closed by someone else and were left as they are."
    return _done(message, back, closed=closed)


@agent.route("/agent/chats/<conversation_id>")
def chat(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    entry = queries.entry(_uow(), ticket.id)
    events = databases().events
    messages = _as_shown(queries.messages_after(events, conversation_id))
    mine = entry.details is not None and entry.details.claimed_by == g.user.username \
        and ticket.status == CLAIMED
    return render_template(
        "agent/chat.html", entry=entry.as_dict(), ticket=ticket, mine=mine,
        messages=messages, last_id=queries.last_event_id(events, conversation_id),
        errors=_catalogue_errors(), poll_ms=POLL_MS, active=ticket.status in ACTIVE_STATUSES,
        **(_assist(ticket) if mine else {}),
    )


def _assist(ticket: HandoffTicket) -> Dict[str, Any]:
    """What the chat page's assist needs: the suggested reply (the error and language from
    the page's own form when it was sent without the script, ?error= &language=), the
    canned replies, and the reply box filled with the suggestion on ?insert=1."""
    context = assist.chat_context(databases().events, ticket)
    suggestion = assist.suggest(context, request.args.get("error"), request.args.get("language"))
    return {
        "suggestion": _suggestion_json(suggestion),
        "customer_language": context.language,
        "canned": assist.canned_replies(_uow(), context),
        "draft": suggestion.text if suggestion and request.args.get("insert") else "",
    }


def _suggestion_json(suggestion: Optional[assist.Suggestion]) -> Optional[Dict[str, Any]]:
    if suggestion is None:
        return None
    return {"intent": suggestion.intent, "title": suggestion.title, "language": suggestion.language,
            "text": suggestion.text, "html": format_message(suggestion.text)}


@agent.route("/api/agent/chats/<conversation_id>/suggestion")
def api_suggestion(conversation_id: str):
    """The fix for ``?error=`` (default: the error understood) in ``?language=`` (default:
    the customer's) with the customer's values, for the chat page's assist."""
    context = assist.chat_context(databases().events, _active_ticket(conversation_id))
    suggestion = assist.suggest(context, request.args.get("error"), request.args.get("language"))
    if suggestion is None:
        return jsonify({"error": "Pick one of the eight errors to suggest its fix."}), 404
    return jsonify(_suggestion_json(suggestion))


@agent.route("/api/agent/chats/<conversation_id>/messages")
def api_messages(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        after = max(0, _stored_int(request.args.get("after", "0")))
    except ValueError:
        abort(400, "after must be an event id")
    events = databases().events
    entry = queries.entry(_uow(), ticket.id)
    return jsonify({
        "ticket": entry.as_dict(),
        "mine": entry.details is not None and entry.details.claimed_by == g.user.username
        and ticket.status == CLAIMED,
        "messages": _as_shown(queries.messages_after(events, conversation_id, after)),
    })


def _as_shown(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Each message with ``html``: the assistant's and agents' formatted as the widget does
    (bot/console/message_format.py), the customer's as plain text; always escaped first."""
    for message in messages:
        shape = format_plain if message["kind"] == "customer" else format_message
        message["html"] = shape(message["text"])
    return messages


def _chat_url(conversation_id: str) -> str:
    return url_for("agent.chat", conversation_id=conversation_id)


def _rasa_failed(problem: Exception, conversation_id: str):
    return _fail("The assistant's server did not take it, so nothing changed for the customer: "
                 f"try again in a moment. ({problem})", 503, _chat_url(conversation_id))


@agent.route("/agent/chats/<conversation_id>/claim", methods=["POST"])
def claim(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    expected = request.form.get("ticket")
    if expected and expected != str(ticket.id):
        return _fail("This chat has a newer ticket; look again.", 409, url_for("agent.inbox"))
    try:
        agents.require_confirmed_name(agents.agent_profile(_uow(), g.user.username))
        lifecycle.claim(_uow(), _api(), ticket.id, g.user.username)
    except lifecycle.HandoffError as problem:
        return _fail(str(problem), 409, url_for("agent.inbox"))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    return _done(None, _chat_url(conversation_id), url=_chat_url(conversation_id))


@agent.route("/agent/chats/<conversation_id>/reply", methods=["POST"])
def reply(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        lifecycle.reply(_uow(), _api(), ticket.id, g.user.username, request.form.get("text", ""))
    except lifecycle.HandoffError as problem:
        return _fail(str(problem), 409, _chat_url(conversation_id))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    return _done(None, _chat_url(conversation_id))


@agent.route("/agent/chats/<conversation_id>/hand-back", methods=["POST"])
def hand_back(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        lifecycle.hand_back(_uow(), _api(), ticket.id, g.user.username)
    except lifecycle.HandoffError as problem:
        return _fail(str(problem), 409, _chat_url(conversation_id))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    return _done("The assistant has the chat again.", url_for("agent.inbox"))


@agent.route("/agent/chats/<conversation_id>/resolve", methods=["POST"])
def resolve(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        lifecycle.resolve(
            _uow(), _api(), ticket.id, g.user.username, request.form.get("note", ""),
            request.form.get("actual_error", ""), [intent for intent, _ in _catalogue_errors()],
        )
    except lifecycle.HandoffError as problem:
        return _fail(str(problem), 400, _chat_url(conversation_id))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    return _done(f"Ticket {ticket.id} resolved.", url_for("agent.inbox"))
