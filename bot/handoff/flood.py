"""Escalations are limited, so that a script cannot flood the agents' inbox (issue 14, item 1).

Each new ticket costs a person's time, and one address opened 120 a minute.  Two limits,
counted from the tickets themselves in the project's database (every process, every
worker sees the same counts, in any sliding hour):

- per address: ``ESCALATIONS_PER_ADDRESS_PER_HOUR`` (3) new tickets from one customer
  address in the last hour;
- in all: ``ESCALATIONS_PER_HOUR`` (200) new tickets in the last hour; the first refusal
  writes a ``handoff_escalations_capped`` audit row for staff and a warning in the log.

Over a limit no ticket is opened: the customer is told to try again later or e-mail
support, and the conversation is stored as always (nothing is lost).  A conversation
that already has an unclosed ticket is never limited: asking again reuses that ticket.

The channels (bot/runtime/channels.py) put ``CLIENT_KEY`` into each message's metadata:
a keyed hash of the address (``client_key``), so the address itself is stored nowhere and
a customer cannot choose their own (the channel overwrites whatever the body said).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Optional

# The metadata key of a user message that names the client (set by the channels only).
CLIENT_KEY = "client_key"
PER_ADDRESS = "address"
IN_ALL = "hour"


def client_key(address: str, secret: str) -> str:
    """A stable name for ``address`` that does not give it away (HMAC-SHA256, 32 hex)."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class EscalationLimits:
    per_address: int  # new tickets per client address and hour; 0: no limit
    per_hour: int  # new tickets in all per hour; 0: no limit

    def exceeded(self, by_client: int, in_all: int) -> Optional[str]:
        """Which limit one more ticket would pass (PER_ADDRESS, IN_ALL), or None."""
        if self.per_address and by_client >= self.per_address:
            return PER_ADDRESS
        if self.per_hour and in_all >= self.per_hour:
            return IN_ALL
        return None
