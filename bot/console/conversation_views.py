"""The conversations the assistant had: the list with its filters, one transcript, the
JSON API, the exports (CSV, JSON Lines, a Rasa test story) and staff annotations (tags,
notes, reviewed).

    /console/                                   to the list
    /console/conversations                      the list (filters, pages)
    /console/conversations.csv, .jsonl          the filtered list, streamed
    /console/conversations/<id>                 one transcript with its annotations
    /console/conversations/<id>/tags, /notes... POST: annotate
    /console/conversations/<id>/story.yml       a Rasa test story (trainers)
    /console/api/conversations[/<id>]           the same as JSON

Sign-in, CSRF, headers and error pages: bot/console/shared.py.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List
from urllib.parse import urlencode

from flask import Response, abort, flash, g, jsonify, redirect, render_template, request
from flask import stream_with_context, url_for

from bot.console.databases import iso_time
from bot.console.exports import (
    csv_lines,
    export_record,
    handoff_outcome,
    jsonl_lines,
    story_yaml,
)
from bot.console.shared import console_blueprint, databases, db, requires_role, safe_next, tz
from bot.console.transcript import build_transcript
from bot.storage.annotations import AnnotationRepository, AuditRepository
from bot.storage.conversations import ConversationFilter, ConversationRepository
from bot.storage.tickets import HandoffTicket, TicketRepository, stored_timestamp

PER_PAGE = 50

conversations = console_blueprint("conversations", __name__)


@conversations.route("/")
def home():
    return redirect(url_for("conversations.index"))


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
        "tickets": TicketRepository(db()).latest_of(ids),
        "repository": repository,
    }


def _catalogue_errors() -> List[tuple]:
    from bot.catalogue import load_catalogue

    return [(e.intent, e.title["en"]) for e in load_catalogue().errors]


@conversations.route("/conversations")
def index():
    context = _list_context()
    export_args = urlencode(context["filter"].to_args())
    # A filter it cannot understand is explained on the page, with a 400 (never a 500).
    return render_template(
        "conversations.html", **context, errors=_catalogue_errors(),
        all_tags=context["repository"].all_tags(), export_args=export_args,
    ), 400 if context["problems"] else 200


def _conversation_json(row, tags, review, ticket=(None, None)) -> Dict[str, Any]:
    record = export_record(row, tags, review.reviewed_by if review else None, tz(), *ticket)
    record["url"] = url_for("conversations.conversation", conversation_id=row.conversation_id)
    return record


@conversations.route("/api/conversations")
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
                r, context["tags"][r.conversation_id], context["reviews"].get(r.conversation_id),
                context["tickets"].get(r.conversation_id, (None, None)),
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
        tickets = TicketRepository(db()).latest_of(ids)
        for r in batch:
            review = reviews.get(r.conversation_id)
            yield export_record(r, tags[r.conversation_id],
                                review.reviewed_by if review else None, tz(),
                                *tickets.get(r.conversation_id, (None, None)))

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


@conversations.route("/conversations.csv")
def export_csv():
    return _export("csv")


@conversations.route("/conversations.jsonl")
def export_jsonl():
    return _export("jsonl")


def _load_conversation(conversation_id: str):
    summary = ConversationRepository(db(), tz()).get(conversation_id)
    events = databases().events.events_for(conversation_id)
    if summary is None and not events:
        abort(404, "No such conversation.")
    tickets = list(
        db().query(HandoffTicket)
        .filter(HandoffTicket.conversation_id == conversation_id)
        .order_by(HandoffTicket.id)
    )
    details = TicketRepository(db()).details_for([t.id for t in tickets])
    return summary, events, tickets, details


@conversations.route("/conversations/<conversation_id>")
def conversation(conversation_id: str):
    summary, events, tickets, details = _load_conversation(conversation_id)
    annotations = AnnotationRepository(db(), g.user.username)
    return render_template(
        "conversation.html",
        conversation_id=conversation_id, summary=summary,
        items=build_transcript(events, tickets, details), tickets=tickets, details=details,
        closed_times={i: stored_timestamp(d.closed_at) for i, d in details.items()},
        error_titles=dict(_catalogue_errors()),
        tags=annotations.tags(conversation_id), notes=annotations.notes(conversation_id),
        review=annotations.review(conversation_id),
        history=AuditRepository(db()).for_conversation(conversation_id),
        back=safe_next(request.args.get("back")),
    )


def _ticket_json(ticket: HandoffTicket, details) -> Dict[str, Any]:
    outcome = handoff_outcome(ticket, details, tz())
    return {
        "id": ticket.id, "status": ticket.status, "reason": ticket.reason,
        "language": ticket.language, "detected_error": ticket.detected_error,
        "opened_at": iso_time(stored_timestamp(ticket.created_at), tz()),
        "closed_by": outcome["handoff_closed_by"], "closed_at": outcome["handoff_closed_at"],
        "resolved_error": outcome["handoff_resolved_error"],
        "resolution_note": outcome["handoff_resolution_note"],
    }


@conversations.route("/api/conversations/<conversation_id>")
def api_conversation(conversation_id: str):
    summary, events, tickets, details = _load_conversation(conversation_id)
    annotations = AnnotationRepository(db(), g.user.username)
    review = annotations.review(conversation_id)
    tags = [t.tag for t in annotations.tags(conversation_id)]
    latest = (tickets[-1], details.get(tickets[-1].id)) if tickets else (None, None)
    return jsonify({
        "conversation_id": conversation_id,
        "summary": _conversation_json(summary, tags, review, latest) if summary else None,
        "transcript": [
            {**item.as_dict(), "time": iso_time(item.timestamp, tz())}
            for item in build_transcript(events, tickets, details)
        ],
        "tickets": [_ticket_json(t, details.get(t.id)) for t in tickets],
        "tags": tags,
        "notes": [
            {"body": n.body, "by": n.created_by, "at": iso_time(n.created_at, tz())}
            for n in annotations.notes(conversation_id)
        ],
        "reviewed": {"by": review.reviewed_by, "at": iso_time(review.reviewed_at, tz())}
        if review else None,
    })


def _back_to_conversation(conversation_id: str):
    return redirect(url_for("conversations.conversation", conversation_id=conversation_id,
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


@conversations.route("/conversations/<conversation_id>/tags", methods=["POST"])
def add_tag(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.add_tag(
        conversation_id, request.form.get("tag", "")))


@conversations.route("/conversations/<conversation_id>/tags/remove", methods=["POST"])
def remove_tag(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.remove_tag(
        conversation_id, request.form.get("tag", "")))


@conversations.route("/conversations/<conversation_id>/notes", methods=["POST"])
def add_note(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.add_note(
        conversation_id, request.form.get("body", "")))


@conversations.route("/conversations/<conversation_id>/review", methods=["POST"])
def set_reviewed(conversation_id: str):
    return _annotate(conversation_id, lambda notes: notes.set_reviewed(
        conversation_id, request.form.get("reviewed") == "yes"))


@conversations.route("/conversations/<conversation_id>/story.yml")
@requires_role("trainer")
def story(conversation_id: str):
    _summary, events, _tickets, _details = _load_conversation(conversation_id)
    AuditRepository(db()).record(g.user.username, "exported_story", conversation_id)
    db().commit()
    safe_name = "".join(c for c in conversation_id if c.isalnum() or c in "-_")[:40] or "conversation"
    return Response(
        story_yaml(conversation_id, events, g.user.username),
        mimetype="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="story-{safe_name}.yml"'},
    )
