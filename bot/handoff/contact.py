"""A customer's contact e-mail address, found in what they wrote.

One definition for the two places a customer gives one: the off-duty e-mail question
(actions/handoff.py) and a message typed to a person during a live chat (the tracker
store, bot/runtime/tracker_store.py, before it masks the message).
"""
from __future__ import annotations

import re
from typing import Optional

# One address: a local part, "@", a domain with a dot and a top-level domain of letters.
EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w@-])"
)


def find_email(text: Optional[str]) -> Optional[str]:
    """The e-mail address in the text, if it holds exactly one well-formed one."""
    found = EMAIL.findall(text or "")
    if len(set(a.lower() for a in found)) != 1:
        return None
    address = found[0]
    local, domain = address.rsplit("@", 1)
    if ".." in address or local.endswith(".") or len(address) > 254:
        return None
    return f"{local}@{domain.lower()}"
