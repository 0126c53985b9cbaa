"""Masks personal data in what customers write, before it is stored or shown.  Pure functions.

Masked: Swedish personal identity numbers (personnummer, samordningsnummer), payment card
numbers (13-19 digits, Luhn-checked), IBANs (mod-97-checked; Swedish ones by their shape
too), Swedish bank account numbers (clearing number + account number), e-mail addresses
and phone numbers.  Kept: the bookkeeping values the assistant needs, i.e. four-digit
account numbers (1930), voucher series letters, Fortnox codes (2000663), dates
(2024-12-31), amounts, and FileIds (UUIDs and other ids with letters in them).

Each match becomes a label in square brackets (``[e-mail]``), so staff can see that
something was there and what kind of thing it was.  Masking is idempotent.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional

PERSONNUMMER = "[personnummer]"
CARD = "[card number]"
IBAN = "[iban]"
BANK_ACCOUNT = "[bank account]"
EMAIL = "[e-mail]"
PHONE = "[phone]"

# Nothing that is part of a longer word, id, number, date or time: no letter, digit, "_"
# or "-" (a UUID's groups, "2024-12-31-...") directly before or after a match, no "/"
# or ":" before it ("31/01/2024", "12:00"), no decimals or times after it.
_B = r"(?<![\w/:-])"
_E = r"(?![\w-]|[.,:/]\d)"
# A date, maybe with a time: bookkeeping, never personal ("2024-01-31 12:00:00").
_DATE_START = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])(?:-\d{2})?(?!\d)")
# Separators people put inside numbers.
_SEP = r"[ \u00a0-]"


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check that card numbers and personnummer carry."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# -- e-mail addresses

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+\-åäöÅÄÖ]+@[A-Za-z0-9\-åäöÅÄÖ]+(?:\.[A-Za-z0-9\-åäöÅÄÖ]+)*"
    r"\.[A-Za-z]{2,}(?![\w-])"
)


def _mask_email(match: re.Match) -> Optional[str]:
    return EMAIL


# -- IBAN: two letters, two check digits, 11-30 letters or digits (often in groups of four)

_IBAN = re.compile(
    r"(?<![\w-])([A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){11,30})(?![\w-])"
)


def iban_valid(candidate: str) -> bool:
    """ISO 13616 mod-97 check."""
    compact = re.sub(r"\s", "", candidate).upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def _mask_iban(match: re.Match) -> Optional[str]:
    candidate = match.group(1)
    compact = re.sub(r"\s", "", candidate)
    if iban_valid(candidate):
        return IBAN
    # A Swedish IBAN with a typo in it is still someone's account.
    if re.fullmatch(r"SE\d{22}", compact, re.IGNORECASE):
        return IBAN
    return None


# -- personnummer: (CC)YYMMDD, "-" or "+" or nothing, NNNN

_PERSONNUMMER = re.compile(
    _B + r"((?:18|19|20)?\d{2})(0[1-9]|1[0-2])(\d{2})" + r"([-+ ]?)(\d{4})" + _E
)


def _valid_day(day: str) -> bool:
    value = int(day)
    # 61-91: samordningsnummer (coordination numbers) add 60 to the day.
    return 1 <= value <= 31 or 61 <= value <= 91


def _mask_personnummer(match: re.Match) -> Optional[str]:
    year, month, day, separator, last4 = match.groups()
    if not _valid_day(day):
        return None
    short = year[-2:] + month + day + last4
    if len(year) == 4 or separator in ("-", "+"):
        # With a century or the usual separator the shape alone says what it is: mask it
        # even if a digit was mistyped.
        return PERSONNUMMER
    # Ten bare digits could be something else (a phone number): only if the check digit fits.
    return PERSONNUMMER if luhn_valid(short) else None


# -- payment cards: 13-19 digits, contiguous or in groups, Luhn-valid

_CARD = re.compile(
    _B
    + r"(\d{13,19}"  # contiguous
    + r"|\d{4}(?:" + _SEP + r"\d{4}){3}(?:" + _SEP + r"?\d{1,3})?"  # 4-4-4-4(-3)
    + r"|\d{4}" + _SEP + r"\d{6}" + _SEP + r"\d{4,5})"  # 4-6-5 (Amex), 4-6-4 (Diners)
    + _E
)


def _mask_card(match: re.Match) -> Optional[str]:
    digits = _digits(match.group(1))
    return CARD if 13 <= len(digits) <= 19 and luhn_valid(digits) else None


# -- Swedish bank accounts: clearing number (4 digits, Swedbank 5: "8327-9"), then
#    the account number, 6-10 digits, often in groups and with a check digit after "-".

_BANK_ACCOUNT = re.compile(
    _B
    + r"(\d{4}(?:-\d)?)"  # clearing number
    + r"(?:,\s?|\s?-\s?|\s)"  # "1234-5678901", "1234, 567 890 1", "8327-9 123 ..."
    + r"(\d(?:[ -]?\d){5,10})"  # account number
    + _E
)


def _mask_bank_account(match: re.Match) -> Optional[str]:
    clearing, account = match.groups()
    if _DATE_START.match(match.group(0)):
        return None
    digits = _digits(account)
    if not 6 <= len(digits) <= 11:
        return None
    # Four-digit groups alone ("1930 2010 3000") are lists of accounts, not a bank account.
    if re.fullmatch(r"\d{4}(?: \d{4})*", account):
        return None
    # A Fortnox code after an account ("1930 2000663") is bookkeeping, not a bank account.
    if re.fullmatch(r"2\d{6}", account) and "-" not in clearing:
        return None
    return BANK_ACCOUNT


# -- phone numbers: +46 / 0046 / any "+" country code, and Swedish numbers starting with 0

_PHONE_INTERNATIONAL = re.compile(
    r"(?<![\w+])(?:\+|00)\d{1,3}[ \u00a0-]?(?:\(0\)[ \u00a0-]?)?\d(?:[ \u00a0-]?\d){6,12}" + _E
)
_PHONE_NATIONAL = re.compile(
    _B + r"(0\d{1,3}(?:[ \u00a0]?[-/][ \u00a0]?|[ \u00a0])?\d(?:[ \u00a0]?\d){4,8})" + _E
)


def _mask_phone_international(match: re.Match) -> Optional[str]:
    return PHONE if len(_digits(match.group(0))) >= 8 else None


def _mask_phone_national(match: re.Match) -> Optional[str]:
    digits = _digits(match.group(1))
    if not 8 <= len(digits) <= 10 or digits.startswith("00"):
        return None
    return PHONE


# Order matters: the most distinctive shapes first, so that a number is labelled as
# what it most likely is (an IBAN holds a bank account number; a card number holds
# groups that look like a phone number).
_MASKERS: List[tuple] = [
    (_EMAIL, _mask_email),
    (_IBAN, _mask_iban),
    (_CARD, _mask_card),
    (_PHONE_INTERNATIONAL, _mask_phone_international),
    # Before personnummer: a Nordea personkonto is clearing 3300 + a personnummer.
    (_BANK_ACCOUNT, _mask_bank_account),
    (_PERSONNUMMER, _mask_personnummer),
    (_PHONE_NATIONAL, _mask_phone_national),
]


def _apply(pattern: re.Pattern, decide: Callable[[re.Match], Optional[str]], text: str) -> str:
    def replace(match: re.Match) -> str:
        label = decide(match)
        return match.group(0) if label is None else label

    return pattern.sub(replace, text)


def mask_text(text: Optional[str]) -> Optional[str]:
    """The text with personal data replaced by labels; None and "" unchanged."""
    if not text:
        return text
    if not any(char.isdigit() for char in text) and "@" not in text:
        return text  # nothing to mask: the common case, kept cheap
    for pattern, decide in _MASKERS:
        text = _apply(pattern, decide, text)
    return text


def mask_value(value: Any) -> Any:
    """Every string in a JSON-like value masked (dicts, lists, strings; others kept)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    return value


def mask_event(event: Dict[str, Any]) -> Dict[str, Any]:
    """A serialised Rasa event with what the customer wrote masked (a new dict).

    User messages: the text, the parse data's text, entity values and any metadata (a
    transaction sent by the widget); slots: their values; bot messages: their text (it
    may quote the customer).  Ids, intents, action names and timestamps stay as they are.
    """
    kind = event.get("event")
    if kind not in ("user", "bot", "slot"):
        return event
    masked = dict(event)
    if kind == "user":
        masked["text"] = mask_text(event.get("text"))
        if isinstance(event.get("metadata"), dict):
            masked["metadata"] = mask_value(event["metadata"])
        parse_data = event.get("parse_data")
        if isinstance(parse_data, dict):
            parse_data = dict(parse_data)
            parse_data["text"] = mask_text(parse_data.get("text"))
            if isinstance(parse_data.get("metadata"), dict):
                parse_data["metadata"] = mask_value(parse_data["metadata"])
            if isinstance(parse_data.get("entities"), list):
                parse_data["entities"] = [
                    {**entity, "value": mask_value(entity.get("value"))}
                    if isinstance(entity, dict) else entity
                    for entity in parse_data["entities"]
                ]
            masked["parse_data"] = parse_data
    elif kind == "bot":
        masked["text"] = mask_text(event.get("text"))
    elif kind == "slot":
        masked["value"] = mask_value(event.get("value"))
    return masked
