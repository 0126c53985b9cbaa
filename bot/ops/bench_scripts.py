"""What the bench's customers write: conversations of 4 to 12 turns, in English or Swedish.

A bank's customers paste the error message from the transaction details (with their own
account, voucher series, FileId or date in it), or describe it in words, answer the
assistant's "Did that fix it?" by clicking its buttons or by typing, ask for a person,
and say thanks and goodbye.  ``conversation`` draws one such script from a seeded random
generator, so a run can be repeated; ``long_conversation`` strings scripts together into
one conversation of any length (the bench's length curve).

Button clicks are sent as the assistant's own payloads (domain.yml), as the widget sends
them; tests/ops/test_bench_scripts.py checks every payload here is one of those.

``CONVERSATIONS`` is a fixed handful of short conversations for the fault tests and the
graph runner's equivalence test, which need the same messages every time.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

LANGUAGES = ("en", "sv")
MIN_TURNS, MAX_TURNS = 4, 12

CONVERSATIONS = [
    ["hi", "Account 1930 is not active", "no, still failing", "thanks"],
    ["Fel vid export: Verifikationsserien är inte manuell (F).", "ja det funkade", "tack"],
    ["my exports dont work", "/period_closed", "yes", "bye"],
    ["The period is locked up to 2024-12-31", "didn't help", "ok thanks"],
    ['{"ErrorInformation": {"error": 1, "message": "No access to the current scope.", '
     '"code": 2000663}}', "/affirm", "goodbye"],
]

# The payloads of the assistant's buttons a customer clicks in these scripts.
BUTTONS = ("/affirm", "/deny", "/request_human", "/export_failed")

Values = Dict[str, str]


def _values(rng: random.Random) -> Values:
    """A customer's own values, as they appear in pasted error messages."""
    return {
        "account": str(rng.choice([1510, 1930, 1940, 2440, 2641, 3001, 4010, 5410, 6570])),
        "series": rng.choice("ABCDEFGHKLMS"),
        "file_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "date": f"{rng.choice([2023, 2024, 2025])}-{rng.choice(['03-31', '06-30', '09-30', '12-31'])}",
        "code": str(rng.choice([2000663, 2001101, 2000359])),
    }


# Errors as customers paste them, with their values in them ({account}, {series} ...).
PASTED = {
    "en": [
        "Account {account} is not active",
        'Export failed: Account "{account}" is not active.',
        "Voucher series is not manual ({series})",
        "Export failed: Voucher series is not manual ({series})",
        "FileId {file_id} was not connected to voucher",
        "The period is locked up to {date}",
        "The period is closed",
        "Invalid refresh token",
        '{{"error": "invalid_grant", "error_description": "Invalid refresh token"}}',
        '{{"ErrorInformation": {{"error": 1, "message": "No access to the current scope.", '
        '"code": 2000663}}}}',
        "Oops, something went wrong – There is no active license for the requested scope",
        "The value contains invalid characters.",
    ],
    "sv": [
        "Kontot {account} är inte aktivt",
        'Export misslyckades: Konto "{account}" är inte aktivt.',
        "Verifikationsserien är inte manuell ({series})",
        "Fel vid export: Verifikationsserien är inte manuell ({series}).",
        "FileId {file_id} kopplades inte till verifikationen",
        "Perioden är låst till och med {date}",
        "Perioden är stängd",
        "Ogiltig refresh token",
        '{{"ErrorInformation": {{"error": 1, "message": "Har inte behörighet för scope.", '
        '"code": 2000663}}}}',
        "Det finns ingen aktiv licens för önskat scope",
        "Värdet innehåller ogiltiga tecken.",
    ],
}

# The same errors described in words, as customers do who did not copy the message.
DESCRIBED = {
    "en": [
        "my export to fortnox fails, it says the account {account} isnt active",
        "the bank says my voucher series {series} is not manual, what does that mean?",
        "export keeps failing because the period is closed in my accounting",
        "it says something about a receipt not being connected to the voucher",
        "fortnox says I have no license for this",
        "I think the connection to fortnox stopped working, something about a token",
        "the export fails with some error about invalid characters in the text",
        "my transactions show export failed",
    ],
    "sv": [
        "exporten till fortnox misslyckas, det står att konto {account} inte är aktivt",
        "det står att verifikationsserie {series} inte är manuell, vad betyder det?",
        "exporten misslyckas för att perioden är stängd i bokföringen",
        "det står något om att kvittot inte kopplades till verifikationen",
        "fortnox säger att jag inte har någon licens för det här",
        "kopplingen till fortnox verkar ha slutat fungera, något om en token",
        "exporten misslyckas med ett fel om ogiltiga tecken",
        "mina transaktioner visar export misslyckades",
    ],
}

PHRASES = {
    "en": {
        "greet": ["hi", "hello", "Hi there", "good morning"],
        "export_failed": ["my export failed", "exports to my accounting dont work", "/export_failed"],
        "worked": ["/affirm", "yes it works now", "yes, thanks that fixed it", "it worked!"],
        "failed": ["/deny", "no, still failing", "didn't help", "same error again"],
        "person": ["/request_human", "can I talk to a person?", "I want to speak to a human"],
        "step": ["where do I find accounting settings?", "how do I do step 3?"],
        "email": ["my email is anna.svensson@example.com", "you can reach me at erik@example.se"],
        "thanks": ["thanks", "thank you!", "ok thanks"],
        "bye": ["bye", "goodbye", "thanks, bye"],
    },
    "sv": {
        "greet": ["hej", "hej hej", "god morgon", "hallå"],
        "export_failed": ["min export misslyckades", "exporten till bokföringen fungerar inte",
                          "/export_failed"],
        "worked": ["/affirm", "ja det funkade", "ja nu fungerar det, tack", "det fungerar nu"],
        "failed": ["/deny", "nej, det misslyckas fortfarande", "hjälpte inte", "samma fel igen"],
        "person": ["/request_human", "kan jag prata med en person?", "jag vill prata med en människa"],
        "step": ["var hittar jag bokföringsinställningar?", "hur gör jag steg 3?"],
        "email": ["min e-post är anna.svensson@example.com", "du når mig på erik@example.se"],
        "thanks": ["tack", "tack så mycket!", "okej tack"],
        "bye": ["hej då", "hejdå", "tack, hej då"],
    },
}


@dataclass(frozen=True)
class Script:
    language: str
    turns: Tuple[str, ...]


def _error(rng: random.Random, language: str, values: Values) -> str:
    pool = PASTED[language] if rng.random() < 0.65 else DESCRIBED[language]
    return rng.choice(pool).format(**values)


def _episode(rng: random.Random, language: str, values: Values) -> List[str]:
    """One problem and what follows its fix: it works, or it does not and a person is
    asked for (and the e-mail address given), or a step is asked about first."""
    phrases = PHRASES[language]
    turns = [rng.choice(phrases["export_failed"])] if rng.random() < 0.2 else []
    turns.append(_error(rng, language, values))
    ending = rng.random()
    if ending < 0.5:
        turns.append(rng.choice(phrases["worked"]))
    elif ending < 0.8:
        turns += [rng.choice(phrases["failed"]), rng.choice(phrases["email"])]
    else:
        turns += [rng.choice(phrases["step"]), rng.choice(phrases["person"])]
    return turns


def conversation(rng: random.Random, turns: Optional[int] = None,
                 language: Optional[str] = None) -> Script:
    """A customer's conversation of ``turns`` messages (default: 4 to 12, uniformly),
    in ``language`` (default: English or Swedish, even odds)."""
    language = language or rng.choice(LANGUAGES)
    count = turns if turns is not None else rng.randint(MIN_TURNS, MAX_TURNS)
    if count < 1:
        raise ValueError("a conversation has at least one turn")
    phrases = PHRASES[language]
    values = _values(rng)
    messages: List[str] = [rng.choice(phrases["greet"])] if rng.random() < 0.4 else []
    while len(messages) < count - 1:
        messages += _episode(rng, language, values)
    closing = rng.choice(phrases["thanks"] + phrases["bye"])
    return Script(language, tuple(messages[:count - 1] + [closing]))


def long_conversation(rng: random.Random, turns: int) -> Script:
    """One conversation of ``turns`` messages: a customer who comes back to the same chat
    with one problem after another, in one language."""
    language = rng.choice(LANGUAGES)
    messages: List[str] = []
    while len(messages) < turns:
        messages += conversation(rng, language=language).turns
    return Script(language, tuple(messages[:turns]))


def sender_id(tag: str) -> str:
    """A new conversation id, random as the widget's, starting with ``tag`` so a run's
    Redis keys can be found and removed afterwards."""
    return tag + uuid.uuid4().hex[:24]
