"""Masks personal data in what customers write, before it is stored or shown.  Pure functions.

Masked: Swedish personal identity numbers (personnummer, samordningsnummer) and organisation
numbers (a sole trader's is a personnummer), payment card numbers (13-19 digits,
Luhn-checked), IBANs (mod-97-checked; Swedish ones by their shape too), Swedish bank account
numbers (clearing number + account number), e-mail addresses (also "(at)" and "[at]"
spellings) and phone numbers.  Kept: the bookkeeping values the assistant needs, i.e.
four-digit account numbers (1930), voucher series letters, Fortnox codes (2000663), dates
(2024-12-31), amounts, and FileIds (UUIDs and other ids with letters in them).

How a message is read (issue 14, item 3): patterns match a normalised view of the text
(``_view``): compatibility forms folded (NFKC: fullwidth digits, no-break spaces),
invisible characters dropped (zero-width spaces and joiners, soft hyphens: they hid a
number from every pattern), "(at)" and "(dot)" read as "@" and ".".  What matched is
replaced in the text as written, so the rest of the message keeps every character.
Numbers written in groups (cards, IBANs) are found as runs of groups with the separators
people use (space, ".", "/", "-"), and every window of consecutive groups is tried, the
longest valid one wins: a word or a number beside one ("SE45...7466 thanks") no longer
hides it, as one greedy candidate failing its checksum used to.

Checksums and national formats are python-stdnum's (Luhn, IBAN with each country's length
and mod 97, Swedish personnummer and organisation numbers), not our own arithmetic.

Each match becomes a label in square brackets (``[e-mail]``), so staff can see that
something was there and what kind of thing it was.  Masking is idempotent.

``personal_number_problem`` is the trainer's backstop: training data is in git, so an
example holding any long number that is not a bookkeeping value is refused, masked or not.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from stdnum import iban as stdnum_iban
from stdnum import luhn as stdnum_luhn
from stdnum.iso7064 import mod_97_10
from stdnum.se import orgnr as stdnum_orgnr
from stdnum.se import personnummer as stdnum_personnummer

PERSONNUMMER = "[personnummer]"
ORGANISATION_NUMBER = "[organisation number]"
CARD = "[card number]"
IBAN = "[iban]"
BANK_ACCOUNT = "[bank account]"
EMAIL = "[e-mail]"
PHONE = "[phone]"
# Every label masking writes (the trainer refuses text holding one).
LABELS = (PERSONNUMMER, ORGANISATION_NUMBER, CARD, IBAN, BANK_ACCOUNT, EMAIL, PHONE)

# Nothing that is part of a longer word, id, number, date or time: no letter, digit, "_"
# or "-" (a UUID's groups, "2024-12-31-...") directly before or after a match, no "/"
# or ":" before it ("31/01/2024", "12:00"), no decimals or times after it.
_B = r"(?<![\w/:-])"
_E = r"(?![\w-]|[.,:/]\d)"
# A date, maybe with a time: bookkeeping, never personal ("2024-01-31 12:00:00").
_DATE_START = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])(?:-\d{2})?(?!\d)")
# Separators people put inside numbers.
_SEP = r"[ \u00a0-]"
# Between the groups of a card number or IBAN: a space, or ".", "/" or "-", maybe spaced.
_GROUP_SEP = r"(?: ?[-./] ?| )"


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check that card numbers and personnummer carry."""
    return bool(re.fullmatch(r"[0-9]+", digits or "")) and stdnum_luhn.is_valid(digits)


def iban_valid(candidate: str) -> bool:
    """ISO 13616: the country's length and format, and the mod-97 check digits."""
    return stdnum_iban.is_valid(candidate or "")


# ISO 13616 reads each letter as a two-digit number: A = 10 ... Z = 35.
_LETTER_VALUES = str.maketrans({chr(ord("A") + n): str(10 + n) for n in range(26)})


def _mod97_valid(compact: str) -> bool:
    """The IBAN check on any two letters + two digits + letters and digits, whatever the
    country (the trainer's backstop: a mistyped country code is still an account)."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    digits = (compact[4:] + compact[:4]).translate(_LETTER_VALUES)
    # stdnum's check goes digit by digit in Python (0.15 ms): a message of many windows
    # ("SE45 SE45 ...") took seconds.  One big-integer remainder throws out 96 in 97 first.
    return int(digits) % 97 == 1 and mod_97_10.is_valid(digits)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# -- the normalised view the patterns read

_INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff")
_SPELLED = r"\s*[(\[{]\s*(?P<word>at|snabel-?a|dot|punkt)\s*[)\]}]\s*"
_SPECIAL = re.compile(_SPELLED + r"|(?P<other>[^\x00-\x7f])", re.IGNORECASE)
_SPELLED_HINT = re.compile(_SPELLED, re.IGNORECASE)
_INVISIBLE_CHARS = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")


def _view(text: str) -> Tuple[str, Optional[List[int]], Optional[List[int]]]:
    """(normalised text, where each of its characters starts and ends in ``text``);
    None, None when the text is its own view (already NFKC, nothing invisible or spelled out)."""
    if not _SPELLED_HINT.search(text) and (text.isascii() or (
            unicodedata.is_normalized("NFKC", text) and not _INVISIBLE_CHARS.search(text))):
        return text, None, None
    parts: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    position = 0
    for match in _SPECIAL.finditer(text):
        parts.append(text[position:match.start()])
        starts.extend(range(position, match.start()))
        ends.extend(range(position + 1, match.start() + 1))
        if match.group("word"):
            folded = "." if match.group("word").lower() in ("dot", "punkt") else "@"
        else:
            char = match.group("other")
            folded = "" if char in _INVISIBLE else unicodedata.normalize("NFKC", char)
        parts.append(folded)
        starts.extend([match.start()] * len(folded))
        ends.extend([match.end()] * len(folded))
        position = match.end()
    parts.append(text[position:])
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return "".join(parts), starts, ends


# What a finder reports: (start, end, label) in the view.
Span = Tuple[int, int, str]
Finder = Callable[[str], Iterable[Span]]


def _regex_finder(pattern: re.Pattern, decide: Callable[[re.Match], Optional[str]]) -> Finder:
    def find(work: str) -> Iterator[Span]:
        for match in pattern.finditer(work):
            label = decide(match)
            if label:
                yield match.start(), match.end(), label
    return find


_GROUP = re.compile(r"[A-Za-z0-9]+")


def _window_finder(run: re.Pattern, check: Callable[[List[str]], Optional[str]], first_group: re.Pattern,
                   shortest: int, longest: int) -> Finder:
    """Every window of consecutive groups in each run, from each group that can start one
    (``first_group``) on: the longest one ``check`` gives a label to is masked, and the
    search goes on after it.  Windows hold ``shortest`` to ``longest`` letters and digits:
    runs with fewer (most numbers) are not looked into."""
    def find(work: str) -> Iterator[Span]:
        for match in run.finditer(work):
            if len(match.group(0)) < shortest or sum(c.isalnum() for c in match.group(0)) < shortest:
                continue
            groups = [(g.start(), g.end()) for g in _GROUP.finditer(work, match.start(), match.end())]
            first = 0
            while first < len(groups):
                best, size = None, 0
                for last in range(first, len(groups) if first_group.match(work, groups[first][0]) else first):
                    size += groups[last][1] - groups[last][0]
                    if size > longest:
                        break
                    label = check([work[a:b] for a, b in groups[first:last + 1]]) if size >= shortest else None
                    if label:
                        best = (last, label)
                if best:
                    yield groups[first][0], groups[best[0]][1], best[1]
                    first = best[0] + 1
                else:
                    first += 1
    return find


# -- e-mail addresses

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+\-åäöÅÄÖ]+@[A-Za-z0-9\-åäöÅÄÖ]+(?:\.[A-Za-z0-9\-åäöÅÄÖ]+)*"
    r"\.[A-Za-z]{2,}(?![\w-])"
)


def _mask_email(match: re.Match) -> Optional[str]:
    return EMAIL


# -- IBAN: two letters, two check digits, 11-30 letters or digits (often in groups of four)

_IBAN_RUN = re.compile(r"(?<![\w-])[A-Za-z]{2}\d{2}[A-Za-z0-9]*(?:" + _GROUP_SEP + r"[A-Za-z0-9]+)*")


def _iban_window(groups: List[str]) -> Optional[str]:
    compact = "".join(groups).upper()
    if not re.match(r"[A-Z]{2}\d{2}", compact) or not 15 <= len(compact) <= 34:
        return None
    # A Swedish IBAN with a typo in it is still someone's account.  (Our mod 97 first:
    # it is cheap, stdnum's country formats are not.)
    if (_mod97_valid(compact) and iban_valid(compact)) or re.fullmatch(r"SE\d{22}", compact):
        return IBAN
    return None


# -- personnummer: (CC)YYMMDD, "-" or "+" (maybe spaced) or a space or nothing, NNNN

_PERSONNUMMER = re.compile(
    _B + r"((?:18|19|20)?\d{2})(0[1-9]|1[0-2])(\d{2})" + r"( ?[-+] ?| )?(\d{4})" + _E
)


def _valid_day(day: str) -> bool:
    value = int(day)
    # 61-91: samordningsnummer (coordination numbers) add 60 to the day.
    return 1 <= value <= 31 or 61 <= value <= 91


def _mask_personnummer(match: re.Match) -> Optional[str]:
    year, month, day, separator, last4 = match.groups()
    if not _valid_day(day):
        return None
    if len(year) == 4 or (separator or "").strip() in ("-", "+"):
        # With a century or the usual separator the shape alone says what it is: mask it
        # even if a digit was mistyped.
        return PERSONNUMMER
    # Ten bare digits could be something else (a phone number): only if the check digit
    # fits.  stdnum knows personnummer, not samordningsnummer (day + 60): Luhn for those.
    short = year[-2:] + month + day + last4
    if int(day) > 60:
        return PERSONNUMMER if luhn_valid(short) else None
    return PERSONNUMMER if stdnum_personnummer.is_valid(short) else None


# -- organisation numbers: NNNNNN-NNNN with a "month" of 20 or more, Luhn-checked

_ORGANISATION_NUMBER = re.compile(_B + r"(\d{2}[2-9]\d{3})( ?- ?)(\d{4})" + _E)


def _mask_organisation_number(match: re.Match) -> Optional[str]:
    number = match.group(1) + match.group(3)
    return ORGANISATION_NUMBER if stdnum_orgnr.is_valid(number) else None


# -- payment cards: 13-19 digits, contiguous or in groups, Luhn-valid

_CARD_RUN = re.compile(_B + r"\d+(?:" + _GROUP_SEP + r"\d+)*(?!\w)")


def _card_shape(lengths: Sequence[int]) -> bool:
    """Contiguous, 4-4-4-4 (+ up to 3), 4-4-4-4..7, 4-6-5 (Amex) or 4-6-4 (Diners)."""
    if len(lengths) == 1 or list(lengths) in ([4, 6, 5], [4, 6, 4]):
        return True
    return list(lengths[:3]) == [4, 4, 4] and (
        (len(lengths) == 4 and 4 <= lengths[3] <= 7)
        or (len(lengths) == 5 and lengths[3] == 4 and lengths[4] <= 3))


def _card_window(groups: List[str]) -> Optional[str]:
    digits = "".join(groups)
    if not 13 <= len(digits) <= 19 or not _card_shape([len(g) for g in groups]):
        return None
    return CARD if luhn_valid(digits) else None


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
# groups that look like a phone number).  Each finder reads the view with what the
# ones before it found blanked out.
_FINDERS: List[Finder] = [
    _regex_finder(_EMAIL, _mask_email),
    _window_finder(_IBAN_RUN, _iban_window, re.compile(r"[A-Za-z]{2}\d{2}"), shortest=15, longest=34),
    _window_finder(_CARD_RUN, _card_window, re.compile(r"\d{4}(?!\d)|\d{13,19}(?!\d)"), shortest=13, longest=19),
    _regex_finder(_PHONE_INTERNATIONAL, _mask_phone_international),
    # Before personnummer: a Nordea personkonto is clearing 3300 + a personnummer.
    _regex_finder(_BANK_ACCOUNT, _mask_bank_account),
    _regex_finder(_PERSONNUMMER, _mask_personnummer),
    _regex_finder(_ORGANISATION_NUMBER, _mask_organisation_number),
    _regex_finder(_PHONE_NATIONAL, _mask_phone_national),
]
# What found personal data is blanked to for the finders after: no letter, digit or
# separator, so nothing next to it joins it or a later pattern.
_BLANK = "\ue000"


def _blanked(work: str, spans: Sequence[Span]) -> str:
    parts, position = [], 0
    for start, end, _ in sorted(spans):
        parts += [work[position:start], _BLANK * (end - start)]
        position = end
    parts.append(work[position:])
    return "".join(parts)


def _personal_spans(view: str) -> List[Span]:
    found: List[Span] = []
    for finder in _FINDERS:
        spans = list(finder(view))
        if spans:
            found += spans
            view = _blanked(view, spans)
    return sorted(found)


def mask_text(text: Optional[str]) -> Optional[str]:
    """The text with personal data replaced by labels; None and "" unchanged."""
    if not text:
        return text
    view, starts, ends = _view(text)
    if not any(char.isdigit() for char in view) and "@" not in view:
        return text  # nothing to mask: the common case, kept cheap
    spans = _personal_spans(view)
    if not spans:
        return text
    parts, position = [], 0
    for start, end, label in spans:
        # Back from the view to the text as written (invisible characters inside included).
        start, end = (start, end) if starts is None else (starts[start], ends[end - 1])
        if end <= position:
            continue
        parts += [text[position:max(start, position)], label]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def mask_value(value: Any) -> Any:
    """Every string in a JSON-like value masked (dicts, lists, strings; others kept).

    Keys too (metadata a page sends may use an e-mail address as a key); two keys that
    mask alike are both kept, the later with a number ("[e-mail] (2)")."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        masked: Dict[Any, Any] = {}
        for key, item in value.items():
            new_key = mask_text(key) if isinstance(key, str) else key
            if new_key in masked:
                number = 2
                while f"{new_key} ({number})" in masked:
                    number += 1
                new_key = f"{new_key} ({number})"
            masked[new_key] = mask_value(item)
        return masked
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    return value


# -- the trainer's backstop: no long number in the training data

# Bookkeeping values with eight or more digits, or that join others into a long run:
# dates and times, FileIds (after "file id", and UUIDs), Fortnox codes, amounts.
_BOOKKEEPING = re.compile(
    r"\bfile\s*id\s*[:=#]?\s*[\"']?[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?<!\d)(?:\d{4}([-/.])(?:0?[1-9]|1[0-2])(?:\1\d{1,2})?|\d{1,2}([-/.])\d{1,2}\2\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?(?!\d)"
    r"|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
    r"|(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"
    r"|(?<!\d)2\d{6}(?!\d)"
    r"|(?<![\d.,])\d{1,3}(?:[ .]\d{3})+(?:,\d{2}(?!\d)|(?= ?(?:kr|sek|:-)(?!\w)))",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:" + _GROUP_SEP + r"\d+)*")
_ALNUM_RUN = re.compile(r"[A-Za-z]{2}\d{2}[A-Za-z0-9]*(?:" + _GROUP_SEP + r"[A-Za-z0-9]+)*")


def _account_list(run: str) -> bool:
    """Four-digit account numbers side by side ("1930 1940 2010", "1930/1940"), not a card
    number or a personnummer written in groups of four."""
    groups = re.split(r" ?/ ?| ", run)
    digits = "".join(groups)
    return (len(groups) > 1 and all(re.fullmatch(r"[1-8]\d{3}", g) for g in groups)
            and not (13 <= len(digits) <= 19 and luhn_valid(digits))
            and not (len(digits) == 12 and stdnum_personnummer.is_valid(digits)))


def personal_number_problem(text: Optional[str]) -> Optional[str]:
    """Why ``text`` must not become a training example (data/nlu is in git), or None.

    Refused: anything masking would mask, and what it might have missed: a run of digits
    (separators removed) with a valid Luhn check and ten or more digits, or eight or more
    digits at all, or letters and digits passing the IBAN check; bookkeeping values
    (dates, times, FileIds, Fortnox codes, amounts, lists of accounts) excepted."""
    view, _, _ = _view(text or "")
    found = _personal_spans(view)
    if found:
        return f"it holds personal data ({found[0][2]})"
    work = _BOOKKEEPING.sub(lambda m: _BLANK * len(m.group(0)), view)
    for match in _ALNUM_RUN.finditer(work):
        groups = _GROUP.findall(match.group(0))
        for first in range(len(groups)):
            for last in range(first, min(len(groups), first + 10)):
                if _mod97_valid("".join(groups[first:last + 1]).upper()):
                    return "it holds what passes the IBAN check"
    for match in _DIGIT_RUN.finditer(work):
        digits = _digits(match.group(0))
        if len(digits) >= 10 and luhn_valid(digits):
            return f"it holds a number with a valid check digit ({len(digits)} digits)"
        if len(digits) >= 8 and not _account_list(match.group(0)):
            return f"it holds a number of {len(digits)} digits"
    return None


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
