"""Agents' live-chat profiles: the first name customers see, and the duty switch.

Services on a unit of work (bot/storage/unit_of_work.py): plain values in, a
``HandoffError`` out; a switch of duty is audited in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from typing import Optional

from bot.handoff.errors import HandoffError
from bot.handoff.hours import OpeningHours
from bot.storage.tickets import HandoffAgent
from bot.storage.unit_of_work import UnitOfWork

FIRST_NAME = re.compile(r"^[^\W\d_][^\W\d_' .-]{0,30}(?:[' .-][^\W\d_]{1,30}){0,2}$")


def default_first_name(username: str) -> str:
    first = re.split(r"[._-]", username or "agent")[0] or "agent"
    return first[:1].upper() + first[1:]


def profile_in(uow: UnitOfWork, username: str) -> HandoffAgent:
    """The agent's profile in the entered unit of work; made (off duty, first name guessed
    from the user name, not yet confirmed) on first use."""
    profile = uow.agents.get(username)
    if profile is None:
        profile = uow.agents.add(HandoffAgent(
            username=username, first_name=default_first_name(username),
            on_duty=False, name_confirmed=False, updated_at=time.time()))
    return profile


def agent_profile(uow: UnitOfWork, username: str) -> HandoffAgent:
    """The agent's profile; made (and committed) on first use."""
    with uow:
        return profile_in(uow, username)


NAME_FIRST = ("Set the first name customers see (\"Anna from support\") before you take "
              "live chats.")


def require_confirmed_name(profile: HandoffAgent) -> None:
    """Customers see the agent's first name; one guessed from the user name ("Ceo") is not
    shown to them: the agent confirms it first (set_first_name).  The inbox asks this
    before it lets an agent go on duty or claim a chat (bot/console/agent_views.py)."""
    if not profile.name_confirmed:
        raise HandoffError(NAME_FIRST)


def set_on_duty(uow: UnitOfWork, username: str, on_duty: bool) -> HandoffAgent:
    with uow:
        profile = profile_in(uow, username)
        profile.on_duty = bool(on_duty)
        profile.updated_at = time.time()
        uow.audit.record(username, "agent_on_duty" if on_duty else "agent_off_duty")
        return profile


def set_first_name(uow: UnitOfWork, username: str, first_name: str) -> HandoffAgent:
    name = " ".join((first_name or "").split())
    if not FIRST_NAME.match(name):
        raise HandoffError("A first name is letters only (up to 30, e.g. \"Anna\" or \"Anna-Karin\").")
    with uow:
        profile = profile_in(uow, username)
        profile.first_name = name
        profile.name_confirmed = True
        profile.updated_at = time.time()
        return profile


def agents_on_duty(uow: UnitOfWork) -> int:
    with uow:
        return uow.agents.on_duty()


def team_available(uow: UnitOfWork, hours: OpeningHours, now: Optional[dt.datetime] = None) -> bool:
    """On duty: within the opening hours, and at least one agent has switched on."""
    return hours.is_open(now or dt.datetime.now(dt.timezone.utc)) and agents_on_duty(uow) > 0
