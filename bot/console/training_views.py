"""The trainers' pages of the console: NLU inbox, models (retrain, compare, roll back),
and insights, as a Flask blueprint under /console/training.

Like every console route, each needs a session (there is no public one here), POSTs need
the CSRF token, and /console/training/api/ answers in JSON (bot/console/shared.py); the
inbox and models need the trainer role.  Insights are for all staff.  The logic
lives in bot/trainer/; training runs in its own process (``python -m bot.ops.trainer
retrain``), whose progress the models page polls from models/registry/job.json.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from flask import Flask, Response, abort, current_app, flash, g, jsonify, redirect
from flask import render_template, request, url_for

from bot.console.shared import config, console_blueprint, databases, db, requires_role, tz
from bot.storage.annotations import AuditRepository
from bot.trainer.datafile import ExampleRefused, TrainingData, language_of
from bot.trainer.deploy import Deployer
from bot.trainer.gate import GateResult
from bot.trainer.inbox import REASONS, Inbox, InboxFilter, InboxMemory
from bot.trainer.insights import SPIKE_RULE, error_title, insights
from bot.trainer.jobs import JobRunning, Jobs
from bot.catalogue.intents import FALLBACK_INTENT
from bot.trainer.project import Project
from bot.trainer.registry import Registry

CSS = Path(__file__).resolve().parent / "templates" / "training" / "training.css"

training = console_blueprint("training", __name__, url_prefix="/console/training")


def init_training(app: Flask, project: Optional[Project] = None) -> None:
    """Mounts the trainers' pages on ``app`` for ``project`` (tests give a copy of it)."""
    # The messages the NLU inbox has read, kept for this process (bot/trainer/inbox.py).
    app.extensions["trainer"] = {"project": project or Project(), "read": InboxMemory()}
    app.register_blueprint(training)


def project() -> Project:
    return current_app.extensions["trainer"]["project"]


def jobs() -> Jobs:
    return Jobs(project(), config())


@training.route("/training.css")
def stylesheet():
    return Response(CSS.read_text(encoding="utf-8"), mimetype="text/css",
                    headers={"Cache-Control": "private, max-age=300"})


@training.route("/")
@requires_role("trainer")
def home():
    return redirect(url_for("training.inbox"))


# -- inbox

def _inbox() -> Inbox:
    c = config()
    return Inbox(db(), databases().tracker, project(),
                 c.trainer_confidence, c.trainer_inbox_tags, c.trainer_inbox_days, tz(),
                 current_app.extensions["trainer"]["read"])


PER_PAGE = 50


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _kept() -> dict:
    """The inbox's filter and page from the query string, for the forms' actions and the
    redirects after them (a decision keeps the trainer where they were)."""
    args = InboxFilter.from_args(request.args)[0].to_args()
    if _page() > 1:
        args["page"] = str(_page())
    return args


def _intents():
    return [i for i in project().intents() if i != FALLBACK_INTENT]


@training.route("/inbox")
@requires_role("trainer")
def inbox():
    wanted, problems = InboxFilter.from_args(request.args)
    box = _inbox()
    items = box.items(filter=wanted)
    page, pages = _page(), max(1, -(-len(items) // PER_PAGE))
    return render_template("training/inbox.html", items=items[(page - 1) * PER_PAGE:page * PER_PAGE],
                           total=len(items), page=page, pages=pages, wanted=wanted, problems=problems,
                           kept=_kept(), reasons=REASONS, intents=_intents()), 400 if problems else 200


@training.route("/api/inbox")
@requires_role("trainer")
def api_inbox():
    wanted, problems = InboxFilter.from_args(request.args)
    items = _inbox().items(filter=wanted)
    return jsonify({"items": [item.as_dict() for item in items], "total": len(items), "problems": problems}
                   ), 400 if problems else 200


@training.route("/inbox/decide", methods=["POST"])
@requires_role("trainer")
def decide():
    action = request.form.get("action", "")
    if action not in ("accept", "relabel", "dismiss"):
        abort(400, "Unknown action.")
    box = _inbox()
    back = url_for("training.inbox", **_kept())
    try:
        item = box.find(request.form.get("item", ""), filter=InboxFilter.from_args(request.args)[0])
    except KeyError:
        flash("That message is no longer in the inbox.", "error")
        return redirect(back)
    language = request.form.get("language") or None
    try:
        added = box.decide(item, action, g.user.username, intent=request.form.get("intent") or None,
                           language=language if language in ("en", "sv") else None)
    except ExampleRefused as problem:
        db().rollback()
        flash(f"Not added: {problem}", "error")
        return redirect(back)
    AuditRepository(db()).record(
        g.user.username, f"inbox_{action}", item.messages[0].conversation_id, text=item.text,
        intent=added.intent if added else None, messages=len(item.messages))
    db().commit()
    if added:
        flash(f"Added \u201c{added.text}\u201d to {added.path.name} as {added.intent}. "
              "Retrain to teach it to the assistant.", "ok")
    else:
        flash(f"Dismissed \u201c{item.text}\u201d.", "ok")
    return redirect(back)


@training.route("/examples", methods=["POST"])
@requires_role("trainer")
def add_example():
    text = request.form.get("text", "")
    language = request.form.get("language") or language_of(text)
    try:
        added = TrainingData(project()).add(text, request.form.get("intent", ""), language)
    except ExampleRefused as problem:
        flash(f"Not added: {problem}", "error")
        return redirect(url_for("training.inbox", **_kept()))
    AuditRepository(db()).record(g.user.username, "example_added", text=added.text, intent=added.intent)
    db().commit()
    flash(f"Added \u201c{added.text}\u201d to {added.path.name} as {added.intent}.", "ok")
    return redirect(url_for("training.inbox", **_kept()))


# -- models: retrain, comparison, rollback

@training.route("/models")
@requires_role("trainer")
def models():
    registry = Registry(project())
    status = jobs().status()
    entries = registry.entries()
    latest = next((e for e in entries if e.comparison), None)
    comparison = GateResult.from_dict({k: v for k, v in latest.comparison.items()
                                       if k in GateResult.__dataclass_fields__}) if latest else None
    return render_template(
        "training/models.html", entries=entries[:30], current=registry.state().get("current"),
        previous=registry.state().get("previous", []), status=status,
        running=status.get("state") in ("starting", "training", "evaluating", "deploying"),
        latest=latest, comparison=comparison,
    )


@training.route("/api/job")
@requires_role("trainer")
def api_job():
    return jsonify(jobs().status())


@training.route("/retrain", methods=["POST"])
@requires_role("trainer")
def retrain():
    try:
        jobs().start_in_background(g.user.username)
    except JobRunning as problem:
        flash(str(problem), "error")
        return redirect(url_for("training.models"))
    AuditRepository(db()).record(g.user.username, "retrain_started")
    db().commit()
    flash("Training started.", "ok")
    return redirect(url_for("training.models"))


@training.route("/rollback", methods=["POST"])
@requires_role("trainer")
def rollback():
    if jobs().running():
        flash("A training job is running; roll back when it has finished.", "error")
        return redirect(url_for("training.models"))
    try:
        entry = Deployer(Registry(project()), config()).rollback()
    except RuntimeError as problem:
        flash(f"Rollback failed: {problem}", "error")
        return redirect(url_for("training.models"))
    if entry is None:
        flash("There is no earlier model to roll back to.", "error")
    else:
        AuditRepository(db()).record(g.user.username, "model_rolled_back", model=entry.id)
        db().commit()
        flash(f"Rolled back to model {entry.id}.", "ok")
    return redirect(url_for("training.models"))


# -- insights (all staff)

CHART_NAMES = ("conversations", "containment", "fallback", "escalations", "errors", "confusion")


@training.route("/insights")
def insights_page():
    data = insights(db(), tz())
    evaluation = Registry(project()).latest_evaluation()
    return render_template("training/insights.html", data=data, rule=SPIKE_RULE, title=error_title,
                           evaluation=evaluation, charts=CHART_NAMES,
                           today=dt.datetime.now(tz()).date())


@training.route("/chart.png")
def chart():
    from bot.trainer.charts import render

    name = request.args.get("name", "")
    if name not in CHART_NAMES:
        abort(404, "No such chart.")
    evaluation = Registry(project()).latest_evaluation() if name == "confusion" else None
    png = render(name, insights(db(), tz()), evaluation)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


@training.route("/progress.js")
def progress_script():
    return Response((CSS.parent / "progress.js").read_text(encoding="utf-8"),
                    mimetype="text/javascript", headers={"Cache-Control": "private, max-age=300"})
