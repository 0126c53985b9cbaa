"""Pure functions that pull bookkeeping values out of what a customer wrote.

Customers paste raw error texts, sometimes whole JSON bodies, with their own
values in them.  These functions know nothing of Rasa: the NLU component and the
tests call them directly.
"""
from __future__ import annotations

import json
import re
from typing import Dict, List, Optional

# Accounting systems customers name; the value is how we spell it back to them.
ACCOUNTING_SYSTEMS = {
    "fortnox": "Fortnox",
    "visma": "Visma",
    "e-conomic": "e-conomic",
    "economic": "e-conomic",
    "bokio": "Bokio",
    "björn lundén": "Björn Lundén",
    "bjorn lunden": "Björn Lundén",
    "briox": "Briox",
    "pe accounting": "PE Accounting",
    "speedledger": "SpeedLedger",
    "wint": "Wint",
    "hogia": "Hogia",
    "dooer": "Dooer",
}

_QUOTE = "\"'“”‘’`«»"
_ACCOUNT = re.compile(
    # "account", and the typos "acount", "accont", "acct"; Swedish "konto", "kontot", "kto".
    r"\b(?:ac{1,2}o?u?n?t|acc|konto|kontot|kontonummer|kontonr|kto)\s*(?:nr\.?|no\.?|number|nummer)?\s*"
    rf"[{_QUOTE}]?(\d{{4}})[{_QUOTE}]?(?!\d)",
    re.IGNORECASE,
)
_SERIES = [
    # "... is not manual (F)" / "... är inte manuell (A)"
    re.compile(r"\bmanu\w*\s*\(\s*([A-Za-zÅÄÖåäö]{1,2})\s*\)", re.IGNORECASE),
    # "voucher series F", "serie A", "verifikationsserien B"
    re.compile(
        r"\b(?:voucher\s+series|series|serie|serien|verifikationsserie|verifikationsserien)"
        rf"\s*[({_QUOTE}]?\s*([A-ZÅÄÖ]{{1,2}})\s*[){_QUOTE}]?(?![\wåäö])",
    ),
]
_FILE_ID = re.compile(r"\bfile\s*id\s*[:=#]?\s*[\"']?([A-Za-z0-9][A-Za-z0-9_-]{0,63})", re.IGNORECASE)
ERROR_CODE_PATTERN = re.compile(r"(?<!\d)(2\d{6})(?!\d)")
_WORDS_FILE_ID_IS_NOT = {"was", "is", "has", "har", "kopplades", "not", "inte"}


def extract_account(text: str) -> Optional[str]:
    match = _ACCOUNT.search(text)
    return match.group(1) if match else None


def extract_series(text: str) -> Optional[str]:
    for pattern in _SERIES:
        match = pattern.search(text)
        if match:
            return match.group(1).upper()
    return None


def extract_file_id(text: str) -> Optional[str]:
    match = _FILE_ID.search(text)
    if match and match.group(1).lower() not in _WORDS_FILE_ID_IS_NOT:
        return match.group(1)
    return None


_LOCKED = r"(?:locked|closed|l[åa]st|st[äa]ngd|sp[äa]rrad|lock\s+date|l[åa]sdatum)"
_UP_TO = (r"(?:up\s+to(?:\s+and\s+including)?|until|through|to|till\s+och\s+med|"
          r"t\.?\s?o\.?\s?m\.?|fram\s+till|till|per|:)")
_DATE_TEXT = r"(\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)(?!\d)"
_LOCK_DATE = [
    # "locked up to 2024-12-31", "har låst perioden t.o.m. 2024-12-31", "closed 2024-12"
    re.compile(rf"\b{_LOCKED}(?:\s+(?:the\s+)?perio(?:d|den))?\s*(?:{_UP_TO}\s*)?(?<!\d){_DATE_TEXT}",
               re.IGNORECASE),
    # "period 2025-03 is locked", "perioden 2024-12 är stängd"
    re.compile(rf"\bperio(?:d|den)\s+(?<!\d){_DATE_TEXT}\s+(?:is|(?:ä|a)r)\s+{_LOCKED}",
               re.IGNORECASE),
]


def extract_period_date(text: str) -> Optional[str]:
    """The lock date (2024-12-31) or month (2024-12), as written, only from a phrase that
    says the period is locked up to it ("locked up to …", "låst t.o.m. …"): any other
    date (a transaction's, a personnummer that looks like one) is not the lock date."""
    for pattern in _LOCK_DATE:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def extract_error_code(text: str) -> Optional[str]:
    match = ERROR_CODE_PATTERN.search(text)
    return match.group(1) if match else None


# Words just before a system's name that say the customer no longer (or does not) use it:
# "we moved from Visma to Fortnox", "not Visma", "bytt från Visma", "istället för Bokio".
_FORMER = re.compile(
    r"\b(?:from|fr(?:å|a)n|not|inte|ej|instead\s+of|ist(?:ä|a)llet\s+f(?:ö|o)r|used\s+to\s+\w+|"
    r"previously|tidigare|old|gamla|before|innan)\W+(?:\w+\W+)?$",
    re.IGNORECASE,
)


def extract_accounting_system(text: str) -> Optional[str]:
    """The system the customer says they use: the last one named, unless it is named as
    a former one ("from Visma", "inte Visma"); if every one is, the last one named."""
    lowered = text.lower()
    found = sorted(
        (match.start(), spelling)
        for name, spelling in ACCOUNTING_SYSTEMS.items()
        for match in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", lowered)
    )
    if not found:
        return None
    current = [(start, spelling) for start, spelling in found
               if not _FORMER.search(lowered[max(0, start - 40):start])]
    return (current or found)[-1][1]


def _strings_in(value) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings_in(v)]
    return []


def normalise_pasted_error(text: str) -> str:
    """The text with any pasted JSON error body unpacked into plain words.

    ``{"ErrorInformation": {"message": "Verifikationsserien \\u00e4r inte manuell (F)",
    "code": 2000663}}`` becomes ``Verifikationsserien är inte manuell (F) 2000663`` appended
    to the original, so that escapes and quoting do not hide the wording.
    """
    text = text or ""
    # From the first "{" to the last "}": str.find, not a regex, so that a message
    # of many braces costs linear time.
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return text
    try:
        body = json.loads(text[start : end + 1])
    except ValueError:
        return text
    return f"{text} {' '.join(_strings_in(body))}"


EXTRACTORS = {
    "account": extract_account,
    "series": extract_series,
    "file_id": extract_file_id,
    "period_date": extract_period_date,
    "error_code": extract_error_code,
    "accounting_system": extract_accounting_system,
}


# What each value may be, whole, once found: the groups the extractors above capture.
# A button payload (``/account_not_active{"account": "1930"}``) names its values itself,
# past the extractors; they must look like values extracted from text (valid_value).
VALUE_SHAPES = {
    "account": re.compile(r"\d{4}"),
    "series": re.compile(r"[A-ZÅÄÖ]{1,2}"),
    "file_id": re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"),
    "period_date": re.compile(_DATE_TEXT),
    "error_code": ERROR_CODE_PATTERN,
}


def valid_value(name: str, value: object) -> bool:
    """Whether ``value`` is one the extractor of ``name`` could have given."""
    if not isinstance(value, str):
        return False
    if name == "accounting_system":
        return value in ACCOUNTING_SYSTEMS.values()
    if name == "file_id" and value.lower() in _WORDS_FILE_ID_IS_NOT:
        return False
    shape = VALUE_SHAPES.get(name)
    return bool(shape and shape.fullmatch(value))


def extract_values(text: str) -> Dict[str, str]:
    """Every value found in the text, by entity name."""
    plain = normalise_pasted_error(text)
    values = {}
    for name, extractor in EXTRACTORS.items():
        value = extractor(plain)
        if value:
            values[name] = value
    return values
