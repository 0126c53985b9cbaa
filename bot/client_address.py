"""Which address a request really comes from, for rate limits and sign-in throttling.

A header naming the client (nginx's X-Real-IP) is only as honest as whoever sent it, so it
is believed only from the proxies the bank configured (setting TRUSTED_PROXIES); from
anyone else, including other processes on this host, the connection's own peer counts.
"""
from __future__ import annotations

from typing import Iterable, Optional


def client_address(peer: Optional[str], real_ip: Optional[str], trusted_proxies: Iterable[str]) -> str:
    """The client's address: ``real_ip`` (the proxy's header) if ``peer`` is a trusted
    proxy and the header is set, else ``peer``; "unknown" when neither is known."""
    if peer and peer in set(trusted_proxies) and real_ip and real_ip.strip():
        # X-Forwarded-For style lists name the original client first.
        return real_ip.split(",")[0].strip()
    return peer or "unknown"
