"""The bank's own words in what customers read: its name, its web site, where its online
banking is, and how to reach support.  All from the settings (bot/settings.py), so a bank
that runs the assistant changes them in one place; pure functions of those settings.
"""
from __future__ import annotations

from typing import Dict, List

from bot.settings import Settings


def genitive_sv(name: str) -> str:
    # Swedish adds -s, except after s, x or z ("Nordeas", "Handelsbanken Företag" -> "...s").
    return name if name[-1:].lower() in ("s", "x", "z") else f"{name}s"


def bank_phrases(config: Settings, language: str) -> Dict[str, str]:
    """The bank's placeholders of the catalogue: {bank}, {bank_site}, {online_bank}."""
    name = config.bank_name
    online = f"{genitive_sv(name)} internetbank" if language == "sv" else f"{name}'s online banking"
    return {"bank": name, "bank_site": config.bank_site, "online_bank": online}


def support_contact(config: Settings, language: str) -> str:
    """How to reach support, as the end of a sentence ("e-mail a@b.se or call 0771 ...")."""
    sv = language == "sv"
    parts: List[str] = []
    if config.support_email:
        parts.append(f"{'mejla' if sv else 'e-mail'} {config.support_email}")
    if config.support_phone:
        parts.append(f"{'ring' if sv else 'call'} {config.support_phone}")
    if config.support_page:
        parts.append(f"{'besök' if sv else 'visit'} {config.support_page}")
    if not parts:
        site = config.bank_site
        return f"kontakta {config.bank_name} via {site}" if sv else f"contact {config.bank_name} through {site}"
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} {'eller' if sv else 'or'} {parts[-1]}"
