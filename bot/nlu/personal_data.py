"""A message that is only personal data ("mitt personnummer är 19121212-1212") names no error.

The pipeline reads messages masked (bot/nlu/guard.py, with bot/privacy.py's masking), so
a personnummer or card number is a label such as ``[personnummer]``.  A message whose
words, once the labels are gone, are only the words people put around such data ("my",
"number", "is", "ring mig på") carries nothing to fix: it must never get a fix.
Pure functions.
"""
from __future__ import annotations

import re

from bot.privacy import BANK_ACCOUNT, CARD, EMAIL, IBAN, PERSONNUMMER, PHONE

# An e-mail address alone is the answer to "where can we write to you?" (actions/handoff.py),
# not a stray piece of personal data: it is read as before.
PRIVATE_LABELS = (PERSONNUMMER, CARD, IBAN, BANK_ACCOUNT, PHONE)
LABELS = PRIVATE_LABELS + (EMAIL,)

# What people write around their personal data, in English and Swedish.
FRAME_WORDS = frozenset(
    """
    my mine our is are it its it's here this that the a an and or also with on at to me us
    you your i i'm im am number numbers no nr personal identity id ssn social security
    personnummer personnr pnr samordningsnummer card cards kort kortet kortnummer
    kortnumret phone telephone mobile mobil mobilnummer telefon telefonnummer tel e-mail
    email mail mejl e-post epost adress address account bank bankkonto clearing iban
    call ring reach contact kontakta nå na mig oss på pa och eller med är ar det detta
    här har min mitt mina vår vart vårt hej hi hello hey thanks tack please snälla
    dear regards mvh best name namn is:
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


def only_personal_data(masked_text: str) -> bool:
    """True when a masked message holds personal data and nothing else worth reading."""
    text = masked_text or ""
    if not any(label in text for label in PRIVATE_LABELS):
        return False
    for label in LABELS:
        text = text.replace(label, " ")
    return all(word.lower() in FRAME_WORDS for word in _WORD.findall(text))
