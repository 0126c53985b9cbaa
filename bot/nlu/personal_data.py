"""A message that is only personal data ("mitt personnummer är 19121212-1212") names no error.

The pipeline reads messages masked (bot/nlu/guard.py, with bot/privacy.py's masking), so
a personnummer or card number is a label such as ``[personnummer]``.  A message whose
words, once the labels are gone, are only the words people put around such data ("my",
"number", "is", "ring mig på") carries nothing to fix: it must never get a fix.
Pure functions.
"""
from __future__ import annotations

import re

from bot.privacy import BANK_ACCOUNT, CARD, EMAIL, IBAN, ORGANISATION_NUMBER, PERSONNUMMER, PHONE

LABELS = (PERSONNUMMER, ORGANISATION_NUMBER, CARD, IBAN, BANK_ACCOUNT, EMAIL, PHONE)
# Numbers that identify a person or company and that bot/privacy.py keeps (an organisation
# number that fails its check; a card number that fails the Luhn check is not masked):
# runs of digit groups with six digits or more, and a card's expiry date.  A Fortnox code
# (seven digits) and a date are bookkeeping values, left in place.
_IDENTITY_NUMBER = re.compile(
    r"(?<![\w-])(?!2\d{6}(?!\d))(?!\d{4}-\d{2}(?:-\d{2})?(?![\d-]))"
    r"\+?\d[\d -]{4,}\d(?![\w-])|\b(?:exp\.?|utg(?:å|a)r)\s*\d{2}/\d{2}\b"
    r"|\bclearing(?:nummer|nr)?\s*\d{4}(?:-\d)?\b",
    re.IGNORECASE,
)

# What people write around their personal data, in English and Swedish.  Not greetings,
# thanks or goodbyes: "hej, jag heter Eva, 073-555 12 34" is a greeting, for the classifier.
FRAME_WORDS = frozenset(
    """
    my mine our is are it its it's here this that the a an and or also with on at to me us
    you your i i'm im am number numbers no nr personal identity id ssn social security
    personnummer personnr pnr samordningsnummer card cards kort kortet kortnummer
    kortnumret phone telephone mobile mobil mobilnummer telefon telefonnummer tel e-mail
    email mail mejl e-post epost adress address account bank bankkonto clearing iban
    call ring reach contact kontakta nå na mig oss på pa och eller med är ar det detta
    här har min mitt mina vår vart vårt name namn is: konto kontonummer holder innehavare kontoinnehavare exp org orgnr
    organisation organization organisationsnummer company företag foretag can kan reach
    kontakt kontakta maila mejla write skriv from från fran
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


def only_personal_data(masked_text: str) -> bool:
    """True when a masked message holds personal data and nothing else worth reading:
    besides the data, only frame words and names (capitalised words: "Maria Lind")."""
    text = masked_text or ""
    found = any(label in text for label in LABELS) or bool(_IDENTITY_NUMBER.search(text))
    if not found:
        return False
    for label in LABELS:
        text = text.replace(label, " ")
    text = _IDENTITY_NUMBER.sub(" ", text)
    if any(char.isdigit() for char in text):
        return False  # an account number, a code, a date: something to help with
    return all(word.lower() in FRAME_WORDS or _is_name(word) for word in _WORD.findall(text))


def _is_name(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in _NOT_NAMES


# Capitalised words that are no name: the accounting systems, and what an error says.
_NOT_NAMES = frozenset(
    """fortnox visma bokio briox hogia wint dooer speedledger export exporten error fel
    account konto kontot voucher period perioden license licens token scope fileid""".split()
)
