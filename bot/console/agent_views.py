"""The agent inbox: live chats handed over by the assistant (bot/handoff/).

    /console/agent/                          the inbox: waiting chats with their summary,
                                             chats in progress, open follow-ups; the
                                             agent's duty switch and first name
    /console/agent/chats/<conversation_id>   one chat: summary, messages, reply, hand back,
                                             resolve
    /console/api/agent/inbox                 the inbox as JSON (polled every second)
    /console/api/agent/chats/<id>/messages   the chat's messages after an event id (polled)

Every page works as plain forms; web/console/agent.js polls the JSON endpoints and
sends the forms with fetch so that the page updates without reloading.  Any signed-in
staff user may take chats (the ``agent`` role and up).  Sign-in, CSRF and the security
headers are the console's (bot/console/shared.py), applied to this blueprint too.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
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

from bot.console.shared import console_blueprint, databases, db
from bot.handoff import service
from bot.handoff.hours import InvalidHours, OpeningHours
from bot.handoff.rasa_api import RasaApi, RasaUnavailable
from bot.settings import Settings
from bot.storage.annotations import AuditRepository
from bot.storage.tickets import ACTIVE_STATUSES, CLAIMED, HandoffTicket

agent = console_blueprint("agent", __name__)

POLL_MS = 1000
WATCH_EVERY_SECONDS = 2.0


def init_agent_inbox(app: Flask, config: Settings, watch: bool = False) -> None:
    """Mounts the inbox; ``watch``: also start the claim-timeout watcher (the pages process)."""
    try:
        hours = OpeningHours.parse(config.handoff_hours, config.handoff_timezone)
    except InvalidHours as problem:
        raise SystemExit(f"HANDOFF_HOURS: {problem}") from problem
    app.extensions["agent_inbox"] = {
        "config": config,
        "hours": hours,
        "api": RasaApi.from_settings(config),
    }
    app.register_blueprint(agent)
    if watch and config.handoff_claim_timeout_seconds > 0:
        start_watcher(app)


def _state() -> Dict[str, Any]:
    return current_app.extensions["agent_inbox"]


def _api() -> RasaApi:
    return _state()["api"]


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
    ticket = (
        db().query(HandoffTicket)
        .filter(HandoffTicket.conversation_id == conversation_id)
        .order_by(HandoffTicket.id.desc())
        .first()
    )
    if ticket is None:
        abort(404, "No handoff ticket for this conversation.")
    return ticket


def _inbox_json(now: dt.datetime) -> Dict[str, Any]:
    lists = service.inbox(db(), now)
    profile = service.agent_profile(db(), g.user.username)
    db().commit()
    available = service.team_available(db(), _state()["hours"], now)

    def item(entry: service.InboxEntry) -> Dict[str, Any]:
        record = entry.as_dict()
        record["url"] = url_for("agent.chat", conversation_id=entry.ticket.conversation_id)
        record["mine"] = record["claimed_by"] == g.user.username
        return record

    return {
        "now": now.isoformat(),
        "me": {"username": g.user.username, "first_name": profile.first_name,
               "on_duty": profile.on_duty},
        "team_available": available,
        "open_now": _state()["hours"].is_open(now),
        "waiting": [item(e) for e in lists["waiting"]],
        "claimed": [item(e) for e in lists["claimed"]],
        "open": [item(e) for e in lists["open"]],
    }


# -- the inbox

@agent.app_template_filter("waited")
def _waited(seconds: Any) -> str:
    seconds = int(seconds or 0)
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@agent.route("/agent/")
def inbox():
    data = _inbox_json(service.utcnow())
    if request.args.get("fragment"):
        # What agent.js swaps in every second: the lists only.
        return render_template("agent/_lists.html", data=data)
    return render_template("agent/inbox.html", data=data, poll_ms=POLL_MS,
                           hours=_state()["config"].handoff_hours)


@agent.route("/api/agent/inbox")
def api_inbox():
    return jsonify(_inbox_json(service.utcnow()))


@agent.route("/agent/duty", methods=["POST"])
def duty():
    on = request.form.get("on_duty") == "yes"
    service.set_on_duty(db(), g.user.username, on)
    AuditRepository(db()).record(g.user.username, "agent_on_duty" if on else "agent_off_duty")
    db().commit()
    return _done("You are on duty: new chats come to you." if on else "You are off duty.",
                 url_for("agent.inbox"), on_duty=on)


@agent.route("/agent/name", methods=["POST"])
def first_name():
    try:
        profile = service.set_first_name(db(), g.user.username, request.form.get("first_name", ""))
    except service.HandoffError as problem:
        db().rollback()
        return _fail(str(problem), 400, url_for("agent.inbox"))
    db().commit()
    return _done(f"Customers see you as {profile.first_name}.", url_for("agent.inbox"),
                 first_name=profile.first_name)


# -- one chat

@agent.route("/agent/chats/<conversation_id>")
def chat(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    entry = service.entry(db(), ticket.id)
    tracker = databases().tracker
    messages = service.messages_after(tracker, conversation_id)
    return render_template(
        "agent/chat.html", entry=entry.as_dict(), ticket=ticket,
        mine=entry.details is not None and entry.details.claimed_by == g.user.username
        and ticket.status == CLAIMED,
        messages=messages, last_id=service.last_event_id(tracker, conversation_id),
        errors=_catalogue_errors(), poll_ms=POLL_MS, active=ticket.status in ACTIVE_STATUSES,
    )


@agent.route("/api/agent/chats/<conversation_id>/messages")
def api_messages(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        after = max(0, int(request.args.get("after", "0")))
    except ValueError:
        abort(400, "after must be an event id")
    tracker = databases().tracker
    entry = service.entry(db(), ticket.id)
    return jsonify({
        "ticket": entry.as_dict(),
        "mine": entry.details is not None and entry.details.claimed_by == g.user.username
        and ticket.status == CLAIMED,
        "messages": service.messages_after(tracker, conversation_id, after),
    })


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
        service.claim(db(), _api(), ticket.id, g.user.username)
    except service.HandoffError as problem:
        return _fail(str(problem), 409, url_for("agent.inbox"))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    AuditRepository(db()).record(g.user.username, "handoff_claimed", conversation_id,
                                 ticket=ticket.id)
    db().commit()
    return _done(None, _chat_url(conversation_id), url=_chat_url(conversation_id))


@agent.route("/agent/chats/<conversation_id>/reply", methods=["POST"])
def reply(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        service.reply(db(), _api(), ticket.id, g.user.username, request.form.get("text", ""))
    except service.HandoffError as problem:
        return _fail(str(problem), 409, _chat_url(conversation_id))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    return _done(None, _chat_url(conversation_id))


@agent.route("/agent/chats/<conversation_id>/hand-back", methods=["POST"])
def hand_back(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        service.hand_back(db(), _api(), ticket.id, g.user.username)
    except service.HandoffError as problem:
        return _fail(str(problem), 409, _chat_url(conversation_id))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    AuditRepository(db()).record(g.user.username, "handoff_handed_back", conversation_id,
                                 ticket=ticket.id)
    db().commit()
    return _done("The assistant has the chat again.", url_for("agent.inbox"))


@agent.route("/agent/chats/<conversation_id>/resolve", methods=["POST"])
def resolve(conversation_id: str):
    ticket = _active_ticket(conversation_id)
    try:
        service.resolve(
            db(), _api(), ticket.id, g.user.username, request.form.get("note", ""),
            request.form.get("actual_error", ""), [intent for intent, _ in _catalogue_errors()],
        )
    except service.HandoffError as problem:
        return _fail(str(problem), 400, _chat_url(conversation_id))
    except RasaUnavailable as problem:
        return _rasa_failed(problem, conversation_id)
    AuditRepository(db()).record(g.user.username, "handoff_resolved", conversation_id,
                                 ticket=ticket.id, error=request.form.get("actual_error"))
    db().commit()
    return _done(f"Ticket {ticket.id} resolved.", url_for("agent.inbox"))


# -- the claim-timeout watcher (pages process)

def watch_once(app: Flask, now: Optional[dt.datetime] = None) -> List[int]:
    """One round: waiting chats past HANDOFF_CLAIM_TIMEOUT_SECONDS go to follow-up."""
    state = app.extensions["agent_inbox"]
    databases = app.extensions["console"]["databases"]
    with databases.sessions() as session:
        return service.time_out_waiting(
            session, state["api"], state["hours"],
            state["config"].handoff_claim_timeout_seconds, now)


def start_watcher(app: Flask) -> threading.Thread:
    import logging

    log = logging.getLogger(__name__)

    def loop() -> None:
        while True:
            time.sleep(WATCH_EVERY_SECONDS)
            try:
                moved = watch_once(app)
                if moved:
                    log.warning("No agent claimed ticket(s) %s in time: follow-up by e-mail",
                                moved)
            except Exception:  # noqa: BLE001 - the next round tries again
                log.warning("claim-timeout check failed", exc_info=True)

    thread = threading.Thread(target=loop, name="handoff-claim-timeout", daemon=True)
    thread.start()
    return thread
