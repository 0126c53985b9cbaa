"""Canned replies in the console: admins list, write, edit and delete them; agents insert
them in a live chat (bot/console/agent_views.py, bot/handoff/assist.py).

    /console/canned-replies                  the list and a form for a new one (admin)
    /console/canned-replies/<id>             one reply's form (admin)
    /console/canned-replies/<id>/delete      POST: deletes it (admin)

Each change is one unit of work with its audit row.  A text reaches customers as an
agent's message, so the list shows it as the widget will (bot/console/message_format.py,
escaped first).  Sign-in, CSRF and headers: bot/console/shared.py.
"""
from __future__ import annotations

from typing import Callable, Optional

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot.catalogue import load_catalogue
from bot.console.message_format import format_message
from bot.console.shared import console_blueprint, databases, requires_role
from bot.storage.canned_replies import (
    LANGUAGES,
    TEXT_CHARS,
    TITLE_CHARS,
    CannedReply,
    CannedReplyInput,
    InvalidCannedReply,
)
from bot.storage.unit_of_work import UnitOfWork

canned = console_blueprint("canned", __name__)
GONE = "No such canned reply: someone may have deleted it."


def _uow() -> UnitOfWork:
    return UnitOfWork(databases().sessions)


def _typed() -> CannedReplyInput:
    form = request.form
    return CannedReplyInput(form.get("shortcut", ""), form.get("language", ""),
                            form.get("title", ""), form.get("text", ""))


def _page(template: str, status: int = 200, problem: Optional[str] = None, **context):
    """The page; with ``problem``, the form again with what the admin typed and why not."""
    if problem:
        flash(problem, "error")
    return render_template(template, languages=LANGUAGES, title_chars=TITLE_CHARS,
                           text_chars=TEXT_CHARS, format_message=format_message,
                           placeholders=list(load_catalogue().values), **context), status


def _audit(uow: UnitOfWork, action: str, reply: CannedReply) -> None:
    uow.audit.record(g.user.username, action, reply=reply.id, shortcut=reply.shortcut,
                     language=reply.language)


def _saved(uow: UnitOfWork, change: Callable[[], Optional[CannedReply]], action: str,
           done: str) -> Optional[str]:
    """Runs ``change`` and its audit row in one unit of work: None when it was saved,
    else what is wrong with the input."""
    try:
        with uow:
            reply = change()
            if reply is None:
                abort(404, GONE)
            _audit(uow, action, reply)
    except InvalidCannedReply as error:
        return str(error)
    flash(f"/{reply.shortcut} ({reply.language}) {done}.", "ok")
    return None


@canned.route("/canned-replies", methods=["GET", "POST"])
@requires_role("admin")
def replies():
    uow = _uow()
    typed, problem = None, None
    if request.method == "POST":
        typed = _typed()
        problem = _saved(uow, lambda: uow.canned_replies.add(typed, g.user.username),
                         "canned_reply_created", "added")
        if problem is None:
            return redirect(url_for("canned.replies"))
    with uow:
        rows = uow.canned_replies.all()
        return _page("canned_replies.html", 400 if problem else 200, problem,
                     replies=rows, typed=typed)


@canned.route("/canned-replies/<int:reply_id>", methods=["GET", "POST"])
@requires_role("admin")
def reply(reply_id: int):
    uow = _uow()
    typed, problem = None, None
    if request.method == "POST":
        typed = _typed()
        problem = _saved(uow, lambda: uow.canned_replies.change(reply_id, typed, g.user.username),
                         "canned_reply_changed", "saved")
        if problem is None:
            return redirect(url_for("canned.replies"))
    with uow:
        row = uow.canned_replies.get(reply_id)
        if row is None:
            abort(404, GONE)
        return _page("canned_reply.html", 400 if problem else 200, problem,
                     reply=row, typed=typed or row)


@canned.route("/canned-replies/<int:reply_id>/delete", methods=["POST"])
@requires_role("admin")
def delete(reply_id: int):
    with _uow() as uow:
        removed = uow.canned_replies.remove(reply_id)
        if removed is not None:
            _audit(uow, "canned_reply_deleted", removed)
    if removed is None:
        flash("That canned reply was deleted already.", "error")
    else:
        flash(f"/{removed.shortcut} ({removed.language}) deleted.", "ok")
    return redirect(url_for("canned.replies"))
