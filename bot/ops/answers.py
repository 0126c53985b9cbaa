"""`make answers`: docs/answers.md, every answer as the customer reads it, for reviewers.

    python -m bot.ops.answers [--check]

Every fix (8 errors x English/Swedish x with and without the customer's values x Fortnox,
another system, none named) from the catalogue, and every other reply of domain.yml with
the values the actions give it, rendered as the widget shows them: markdown text, buttons
as their titles.  Written with the settings' defaults (not this shell's environment), so
the file is the same on every machine; a test fails when it is stale (``--check`` too).
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from actions.greeting import greeting_values
from bot.catalogue import LANGUAGES, load_catalogue
from bot.catalogue.bank import support_contact
from bot.catalogue.render import render_fix, rendered_steps, value_phrases
from bot.handoff.hours import OpeningHours, expected_answer
from bot.handoff.responses import placeholders, response_names, variation
from bot.runtime.inbound import POLITE, polite
from bot.settings import PROJECT_ROOT, Settings, settings

ANSWERS_FILE = PROJECT_ROOT / "docs" / "answers.md"
LANGUAGE_NAMES = {"en": "English", "sv": "Swedish"}
# The systems a fix is read for: the help page's own, another one customers name, none.
SYSTEMS: Tuple[Tuple[str, Optional[str]], ...] = (
    ("Fortnox", "Fortnox"), ("another system (Visma)", "Visma"), ("no system named", None))
# The customer's values, as a pasted error carries them.
EXAMPLE_VALUES = {"account": "1930", "series": "F", "file_id": "4711", "period_date": "2024-12-31"}
EXAMPLE_TICKET = 1234
EXAMPLE_AGENT = "Anna"
# "Is it A or B?" and "the step you asked about" (actions/understanding.py), for an example.
EXAMPLE_CLOSE_ERRORS = ("account_not_active", "period_closed")
EXAMPLE_STEP = ("account_not_active", 1)  # the second step of the fix, with the values
# A Saturday morning, for "when will a person answer" under the default hours.
EXAMPLE_MOMENT = dt.datetime(2024, 3, 16, 9, 0, tzinfo=dt.timezone.utc)
# Sent with buttons the action adds (not in domain.yml): the eight errors' titles.
CATALOGUE_BUTTONS = "utter_ask_error_message"


@dataclass(frozen=True)
class Answer:
    """One answer as the customer reads it, and what it was read for."""

    section: str          # "fix" or "reply"
    name: str             # the error's intent or the response's name
    language: str
    text: str
    buttons: Tuple[str, ...] = ()
    system: Optional[str] = None  # fixes: the accounting system named, if any
    with_values: bool = False     # fixes: with the customer's own values


def reply_values(config: Settings, language: str) -> Dict[str, str]:
    """What the actions fill into the domain's responses, for an example conversation."""
    hours = OpeningHours.parse(config.handoff_hours, config.handoff_timezone)
    return {
        "ticket_id": str(EXAMPLE_TICKET),
        "agent_name": EXAMPLE_AGENT,
        "handoff_expected": expected_answer(hours, EXAMPLE_MOMENT, language),
        "support_contact": support_contact(config, language),
        **greeting_values(config),
        **understanding_values(config, language),
    }


def understanding_values(config: Settings, language: str) -> Dict[str, str]:
    """What actions/understanding.py fills in: two close errors, a step asked about."""
    catalogue = load_catalogue()
    first, second = (catalogue.get(intent) for intent in EXAMPLE_CLOSE_ERRORS)
    error, step = EXAMPLE_STEP
    return {
        "first": first.title[language], "first_intent": first.intent,
        "second": second.title[language], "second_intent": second.intent,
        "step": rendered_steps(error, language, EXAMPLE_VALUES, catalogue, config)[step],
        "system": value_phrases(language, EXAMPLE_VALUES, catalogue)["accounting_system"],
    }


def fixes(config: Settings) -> Iterator[Answer]:
    for error in load_catalogue().errors:
        for language in LANGUAGES:
            for with_values in (False, True):
                for _, system in SYSTEMS:
                    values: Dict[str, str] = dict(EXAMPLE_VALUES) if with_values else {}
                    if system:
                        values["accounting_system"] = system
                    yield Answer("fix", error.intent, language,
                                 render_fix(error.intent, language, values, config=config),
                                 system=system, with_values=with_values)


def _fill(text: str, values: Mapping[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def replies(config: Settings) -> Iterator[Answer]:
    catalogue = load_catalogue()
    for name in response_names():
        for language in LANGUAGES:
            chosen = variation(name, language)
            values = reply_values(config, language)
            buttons = tuple(_fill(button["title"], values) for button in chosen.get("buttons") or ())
            if name == CATALOGUE_BUTTONS:
                buttons = tuple(error.title[language] for error in catalogue.errors)
            yield Answer("reply", name, language,
                         _fill(chosen["text"], values), buttons)


def channel_answers(config: Settings) -> Iterator[Answer]:
    """What the channels answer themselves (bot/runtime/inbound.py), before the assistant."""
    for kind, texts in POLITE.items():
        for language in LANGUAGES:
            sample = "hej, exporten misslyckades" if language == "sv" else "hi, the export failed"
            yield Answer("channel", kind, language, polite(kind, sample, config.max_message_chars))


def all_answers(config: Optional[Settings] = None) -> List[Answer]:
    """Every answer, fixes first; with the settings' defaults unless ``config`` is given."""
    config = config or settings({})
    return [*fixes(config), *replies(config), *channel_answers(config)]


_LIST_ITEM = re.compile(r"^\s*(\d+[.)]|[-*•])\s")


def _quoted(answer: Answer) -> List[str]:
    """The answer as a quote; a line break inside a paragraph stays one (the widget keeps
    it), written as markdown's hard break (two trailing spaces)."""
    source = answer.text.split("\n")
    lines = []
    for line, following in zip(source, source[1:] + [""]):
        hard_break = line.strip() and following.strip() and not _LIST_ITEM.match(following)
        lines.append(f"> {line}".rstrip() + ("  " if hard_break else ""))
    if answer.buttons:
        lines += [">", "> " + " ".join(f"[{title}]" for title in answer.buttons)]
    return lines + [""]


def markdown(config: Optional[Settings] = None) -> str:
    """docs/answers.md's text."""
    config = config or settings({})
    answers = all_answers(config)
    out = [
        "# What the customer reads",
        "",
        "Generated by `make answers` (bot/ops/answers.py) from bot/catalogue/errors.yml and",
        "domain.yml: do not edit, edit those and run `make answers`; a test fails when this file",
        "is stale. Every answer is shown as the chat widget shows it (buttons as [titles]), with",
        f"the settings' defaults: bank {config.bank_name} ({config.bank_site}), support "
        f"{support_contact(config, 'en')}, hours \"{config.handoff_hours}\".",
        "",
        "## The fixes",
        "",
        "Each error in English and Swedish, without and with the customer's own values "
        f"({', '.join(f'{k} {v}' for k, v in EXAMPLE_VALUES.items())}), for a customer of "
        "Fortnox, of another system and of none named. Each fix is followed by "
        "`utter_ask_fix_worked` (below).",
        "",
    ]
    catalogue = load_catalogue()
    for error in catalogue.errors:
        out += [f"### {error.number}. {error.title['en']} (`{error.intent}`)", ""]
        for answer in (a for a in answers if a.section == "fix" and a.name == error.intent):
            system = next(label for label, value in SYSTEMS if value == answer.system)
            values = "with the customer's values" if answer.with_values else "no values"
            out += [f"#### {LANGUAGE_NAMES[answer.language]}, {values}, {system}", ""]
            out += _quoted(answer)
    out += [
        "## Every other reply",
        "",
        f"As the actions fill them: case {EXAMPLE_TICKET}, agent {EXAMPLE_AGENT}, a person answering "
        "as the default hours say on a Saturday morning.",
        "",
    ]
    for name in response_names():
        language_placeholders = sorted({p for lang in LANGUAGES for p in placeholders(name, lang)})
        filled = f" (fills {', '.join(language_placeholders)})" if language_placeholders else ""
        out += [f"### `{name}`{filled}", ""]
        for answer in (a for a in answers if a.section == "reply" and a.name == name):
            out += [f"**{LANGUAGE_NAMES[answer.language]}**", ""]
            out += _quoted(answer)
    out += ["## What the channels answer themselves", "",
            "Before the assistant reads a message (bot/runtime/inbound.py), in the language the "
            "message looks like.", ""]
    for kind in POLITE:
        out += [f"### `{kind}`", ""]
        for answer in (a for a in answers if a.section == "channel" and a.name == kind):
            out += [f"**{LANGUAGE_NAMES[answer.language]}**", ""]
            out += _quoted(answer)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only say whether docs/answers.md is up to date (exit 1 if not)")
    args = parser.parse_args(argv)
    text = markdown()
    if args.check:
        current = ANSWERS_FILE.read_text(encoding="utf-8") if ANSWERS_FILE.exists() else ""
        if current != text:
            print(f"{ANSWERS_FILE.relative_to(PROJECT_ROOT)} is stale: run `make answers`.")
            return 1
        print(f"{ANSWERS_FILE.relative_to(PROJECT_ROOT)} is up to date.")
        return 0
    ANSWERS_FILE.write_text(text, encoding="utf-8")
    print(f"Wrote {ANSWERS_FILE.relative_to(PROJECT_ROOT)}: "
          f"{sum(1 for _ in all_answers())} answers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
