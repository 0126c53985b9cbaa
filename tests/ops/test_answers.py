"""Every answer read as a customer reads it (bot/ops/answers.py renders them all: each fix in
every combination, every reply, the channels' own answers), and docs/answers.md up to date."""
import re
from typing import List

import pytest

from bot.ops.answers import ANSWERS_FILE, SYSTEMS, Answer, all_answers, markdown
from bot.settings import settings

ANSWERS = all_answers()
# Function words that give a sentence's language away; none is a word of the other language.
ENGLISH = {"the", "and", "your", "you", "is", "are", "with", "this", "that", "of", "for",
           "please", "will", "not", "it", "to", "if", "or"}
SWEDISH = {"och", "att", "är", "det", "för", "inte", "du", "jag", "på", "med", "som", "har",
           "kan", "ditt", "din", "vi", "till", "eller", "om"}
# Verbatim texts and names are the same in both languages: error titles and the bank's
# button names (bold), quoted setting names, e-mail addresses and web addresses.
_VERBATIM = re.compile(r"\*\*.+?\*\*|\"[^\"]*\"|\S+@\S+|\S+\.(se|com)\b")
_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE | re.UNICODE)


def ids(answer: Answer) -> str:
    values = "values" if answer.with_values else "bare"
    return "-".join(str(p) for p in (answer.section, answer.name, answer.language,
                                      answer.system if answer.section == "fix" else "", values))


def words(text: str) -> List[str]:
    return re.findall(r"[a-zåäö]+", _VERBATIM.sub(" ", text.lower()))


def test_the_answers_cover_every_combination():
    fixes = [a for a in ANSWERS if a.section == "fix"]
    assert len(fixes) == 8 * 2 * 2 * len(SYSTEMS) == 96
    assert len({(a.name, a.language, a.with_values, a.system) for a in fixes}) == 96
    assert any(a.name == "utter_escalation_failed" for a in ANSWERS)


def test_docs_answers_md_is_up_to_date():
    assert ANSWERS_FILE.read_text(encoding="utf-8") == markdown(), \
        "docs/answers.md is stale: run `make answers`"


@pytest.mark.parametrize("answer", ANSWERS, ids=ids)
def test_reads_cleanly(answer):
    text = answer.text
    assert "{" not in text and "}" not in text, "unfilled placeholder"
    doubled = _DOUBLED.search(text)
    assert doubled is None, f"doubled word {doubled.group(0)!r}"
    assert "  " not in text and " ." not in text and " ," not in text


@pytest.mark.parametrize("answer", ANSWERS, ids=ids)
def test_one_language_per_answer(answer):
    said = set(words(answer.text))
    for title in answer.buttons if answer.name != "utter_ask_error_message" else ():
        said |= set(words(title))
    own, other = (SWEDISH, ENGLISH) if answer.language == "sv" else (ENGLISH, SWEDISH)
    assert said & own, "no word of its own language"
    assert not said & other, f"words of the other language: {sorted(said & other)}"
    if answer.language == "en":
        assert "licence" not in answer.text  # the help page writes "license"


@pytest.mark.parametrize("answer", [a for a in ANSWERS if a.section == "fix" and a.system != "Fortnox"],
                         ids=ids)
def test_no_fortnox_claim_to_a_customer_of_another_system_or_none(answer):
    assert "Fortnox" not in answer.text


def test_fortnox_customers_get_the_help_pages_facts():
    fortnox = {a.name: a.text for a in ANSWERS
               if a.section == "fix" and a.system == "Fortnox" and a.language == "en"}
    assert "Fortnox requires the person who sets up the integration to be a system administrator" \
        in fortnox["missing_voucher_permission"]
    assert "Fortnox requires an active integration license" in fortnox["no_active_license"]


def test_the_banks_name_comes_from_its_setting():
    other = settings({"BANK_NAME": "Exempelbanken", "BANK_SITE": "exempelbanken.se",
                      "SUPPORT_EMAIL": "hjalp@exempelbanken.se"})
    renamed = all_answers(other)
    for default, answer in zip(ANSWERS, renamed):
        assert "Nordea" not in answer.text, ids(answer)
        if "Nordea" in default.text:
            assert "Exempelbank" in answer.text or "exempelbanken.se" in answer.text, ids(answer)
    greetings = [a.text for a in renamed if a.name == "utter_greet"]
    assert greetings and all("Exempelbanken" in text for text in greetings)
