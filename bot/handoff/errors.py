"""What the handoff services raise: why a step could not be taken, in words for the agent."""
from __future__ import annotations


class HandoffError(Exception):
    """Why a step could not be taken, in words for the agent."""


class TransitionNotAllowed(HandoffError):
    """A step the state machine (bot/handoff/lifecycle.py) has no arrow for."""
