"""The trainer's tools from the command line, for people who work in the repository.

    python -m bot.ops.trainer inbox [--json]          # what customers wrote, with ids
        [--reason R] [--language en|sv] [--predicted INTENT] [--since DAY] [--until DAY]
        [--search WORDS] [--sort count|newest]     # filtered as on the console's page
    python -m bot.ops.trainer accept ID               # the predicted intent is right
    python -m bot.ops.trainer relabel ID INTENT       # it is another intent
    python -m bot.ops.trainer dismiss ID              # not training material
    python -m bot.ops.trainer add "TEXT" --intent X [--language sv]
    python -m bot.ops.trainer retrain [--no-deploy]   # train, evaluate, compare, deploy if not worse
    python -m bot.ops.trainer models                  # the registry with its evaluations
    python -m bot.ops.trainer rollback                # back to the model deployed before
    python -m bot.ops.trainer fingerprint [--config F] # of the model's inputs (`make train`)

The inbox reads DATABASE_URL and TRACKER_STORE_URL; examples go to data/nlu/{en,sv}.yml.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Optional

from bot.settings import PROJECT_ROOT, settings
from bot.trainer.datafile import ExampleRefused, TrainingData, language_of
from bot.trainer.gate import GateResult
from bot.trainer.jobs import JobRunning, Jobs
from bot.trainer.project import Project
from bot.trainer.registry import Registry


def _pct(value: Optional[float]) -> str:
    return "  n/a" if value is None else f"{100 * value:5.1f}%"


def comparison_text(comparison: dict) -> str:
    gate = GateResult.from_dict({k: v for k, v in comparison.items()
                                 if k in GateResult.__dataclass_fields__})
    before, after = gate.accuracy
    lines = [f"{'':30} {'current':>8} {'new':>8} {'change':>8}",
             f"{'held-out accuracy':30} {_pct(before):>8} {_pct(after):>8} "
             f"{'' if before is None else f'{100 * (after - before):+.1f}':>8}"]
    for title, rows in (("per language", gate.languages), ("per intent", gate.intents)):
        lines.append(title + ":")
        for row in rows:
            change = "" if row.change is None else f"{100 * row.change:+.1f}"
            lines.append(f"  {row.name:28} {_pct(row.before_rate):>8} {_pct(row.after_rate):>8} {change:>8}")
    for wrong in gate.new_wrong_fixes:
        lines.append(f"  NEW WRONG FIX [{wrong['language']}] -> {wrong['predicted']}: {wrong['text'][:70]}")
    lines.append(("PASSED: " if gate.passed else "REFUSED: ") + " ".join(gate.reasons))
    return "\n".join(lines)


def _inbox(args):
    from bot.console.databases import Databases
    from bot.trainer.inbox import Inbox

    config = settings()
    databases = Databases.open(config.database_url, config.tracker_store_url)
    session = databases.sessions()
    from zoneinfo import ZoneInfo

    inbox = Inbox(session, databases.tracker, Project(args.root), config.trainer_confidence,
                  config.trainer_inbox_tags, config.trainer_inbox_days, ZoneInfo(config.console_timezone))
    return databases, session, inbox


def cmd_inbox(args) -> int:
    from bot.trainer.inbox import InboxFilter

    wanted, problems = InboxFilter.from_args({
        "reason": args.reason, "language": args.language, "predicted": args.predicted,
        "date_from": args.since, "date_to": args.until, "q": args.search, "sort": args.sort})
    if problems:
        print("; ".join(problems), file=sys.stderr)
        return 2
    databases, session, inbox = _inbox(args)
    try:
        items = inbox.items(filter=wanted)
        if args.json:
            print(json.dumps([i.as_dict() for i in items], ensure_ascii=False, indent=2))
            return 0
        if not items:
            print("The inbox is empty.")
        for item in items[:args.limit]:
            confidence = "" if item.confidence is None else f" {item.confidence:.2f}"
            flag = "  [masked personal data: dismiss only]" if item.masked else ""
            print(f"{item.id}  [{item.language}] x{len(item.messages)}  {item.predicted or '-'}{confidence}"
                  f"  ({', '.join(item.reasons)}){flag}\n    {item.text[:100]}")
        if len(items) > args.limit:
            print(f"... and {len(items) - args.limit} more (--limit)")
        return 0
    finally:
        session.close()
        databases.dispose()


def cmd_decide(args) -> int:
    databases, session, inbox = _inbox(args)
    try:
        try:
            item = inbox.find(args.id)
        except KeyError as problem:
            print(problem.args[0], file=sys.stderr)
            return 2
        action = args.command
        try:
            added = inbox.decide(item, action, args.by, intent=getattr(args, "intent", None),
                                 language=getattr(args, "language", None))
        except ExampleRefused as problem:
            print(f"Refused: {problem}", file=sys.stderr)
            return 1
        session.commit()
        if added:
            print(f"Added to {added.path.relative_to(inbox.project.root)} as {added.intent}: {added.text}")
        else:
            print(f"Dismissed {item.id} ({len(item.messages)} message(s)).")
        return 0
    finally:
        session.close()
        databases.dispose()


def cmd_add(args) -> int:
    language = args.language or language_of(args.text)
    try:
        added = TrainingData(Project(args.root)).add(args.text, args.intent, language)
    except ExampleRefused as problem:
        print(f"Refused: {problem}", file=sys.stderr)
        return 1
    print(f"Added to {added.path.relative_to(args.root)} as {added.intent}: {added.text}")
    return 0


def cmd_retrain(args) -> int:
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    shown = {"message": None}

    def progress(status: dict) -> None:
        if args.quiet:
            return
        if status.get("message") != shown["message"]:
            shown["message"] = status.get("message")
            print(f"[{status.get('progress', 0):3d}%] {status.get('message', '')}", flush=True)

    jobs = Jobs(Project(args.root))
    try:
        result = jobs.retrain(args.by, progress, deploy=not args.no_deploy)
    except JobRunning as problem:
        print(problem, file=sys.stderr)
        return 3
    except Exception as problem:  # the job's status says so too
        print(f"Training failed: {problem}", file=sys.stderr)
        return 1
    print(comparison_text(result.entry.comparison))
    print(f"model {result.entry.id}: " + ("deployed" if result.deployed else "not deployed")
          + (f" ({result.problem})" if result.problem else "")
          + (f"; {', '.join(result.processes)}" if result.processes else ""))
    return 0 if result.deployed or not result.gate.passed or args.no_deploy else 1


def cmd_models(args) -> int:
    registry = Registry(Project(args.root))
    current = registry.state().get("current")
    entries = registry.entries()
    if not entries:
        print("No models in the registry yet (models/registry/): run `retrain`.")
    for entry in entries:
        evaluation = entry.evaluation or {}
        comparison = entry.comparison or {}
        created = dt.datetime.fromtimestamp(entry.meta.get("created_at", 0)).strftime("%Y-%m-%d %H:%M")
        languages = " ".join(f"{k} {_pct(c / t if t else None).strip()}"
                             for k, (c, t) in evaluation.get("by_language", {}).items())
        verdict = ""
        if comparison:
            verdict = "passed the gate" if comparison.get("passed") else "refused by the gate"
        print(f"{'*' if entry.id == current else ' '} {entry.id}  {created}  "
              f"accuracy {_pct(evaluation.get('accuracy')).strip() if evaluation else 'not evaluated'}"
              f"  {languages}  {verdict}  {entry.meta.get('source', '')}")
    return 0


def cmd_rollback(args) -> int:
    from bot.trainer.deploy import Deployer

    registry = Registry(Project(args.root))
    try:
        entry = Deployer(registry, settings()).rollback()
    except RuntimeError as problem:
        print(f"Rollback failed: {problem}", file=sys.stderr)
        return 1
    if entry is None:
        print("No earlier model to roll back to.", file=sys.stderr)
        return 1
    print(f"Rolled back to {entry.id}.")
    return 0


def cmd_fingerprint(args) -> int:
    print(Project(args.root).fingerprint(args.config))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot.ops.trainer", description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    commands = p.add_subparsers(dest="command", required=True)
    inbox = commands.add_parser("inbox", help="list the inbox")
    inbox.add_argument("--json", action="store_true")
    inbox.add_argument("--limit", type=int, default=50)
    inbox.add_argument("--reason", help="fell back, low confidence, escalated or flagged")
    inbox.add_argument("--language", help="en or sv")
    inbox.add_argument("--predicted", help="the intent the assistant gave")
    inbox.add_argument("--since", help="first day, YYYY-MM-DD (console time zone)")
    inbox.add_argument("--until", help="last day, YYYY-MM-DD")
    inbox.add_argument("--search", help="words the message contains")
    inbox.add_argument("--sort", help="count (default) or newest")
    inbox.set_defaults(run=cmd_inbox)
    for name, helptext in (("accept", "accept the predicted intent"), ("relabel", "relabel to INTENT"),
                           ("dismiss", "dismiss")):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("id")
        if name == "relabel":
            command.add_argument("intent")
        if name != "dismiss":
            command.add_argument("--language", choices=("en", "sv"))
        command.add_argument("--by", default="cli")
        command.set_defaults(run=cmd_decide)
    add = commands.add_parser("add", help="add an example")
    add.add_argument("text")
    add.add_argument("--intent", required=True)
    add.add_argument("--language", choices=("en", "sv"))
    add.set_defaults(run=cmd_add)
    retrain = commands.add_parser("retrain", help="train, evaluate, gate, deploy")
    retrain.add_argument("--by", default="cli")
    retrain.add_argument("--quiet", action="store_true")
    retrain.add_argument("--no-deploy", action="store_true")
    retrain.set_defaults(run=cmd_retrain)
    commands.add_parser("models", help="list models").set_defaults(run=cmd_models)
    commands.add_parser("rollback", help="deploy the previous model").set_defaults(run=cmd_rollback)
    fingerprint = commands.add_parser("fingerprint", help="fingerprint of the model's inputs")
    fingerprint.add_argument("--config", type=Path, help="default: config.yml")
    fingerprint.set_defaults(run=cmd_fingerprint)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
