"""Sign-in, sessions, CSRF tokens, roles and login throttling for the console.

Sessions are Flask's signed cookies (HttpOnly, SameSite=Lax, Secure when configured)
holding the user's id, their ``session_epoch`` (bumped on password change, role change
or disabling, which ends every session of that user) and a CSRF token that every POST
must send back (form field ``csrf_token`` or header ``X-CSRF-Token``).  The guard that
applies them to every console route is bot/console/shared.py.
"""
from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Callable, Deque, Dict, Optional, Tuple

from flask import request, session

from bot.storage.staff import ROLES, StaffRepository, StaffUser

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SECRET_KEY_FILE = "console-secret-key"

# What each role may do, cumulatively: a trainer can do all an agent can, and so on.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def secret_key(configured: str, var_dir: Path, name: str = SECRET_KEY_FILE) -> str:
    """CONSOLE_SECRET_KEY, else a random key generated once and kept in var/``name``
    (mode 600).  The launcher keeps the action server's token the same way."""
    if configured:
        return configured
    path = var_dir / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process was first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_valid() -> bool:
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return bool(expected) and hmac.compare_digest(str(expected), str(sent))


def start_session(user: StaffUser) -> None:
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def end_session() -> None:
    session.clear()


def load_user(staff: StaffRepository) -> Optional[StaffUser]:
    """The signed-in user, if the session is still valid for them."""
    uid = session.get("uid")
    if uid is None:
        return None
    user = staff.get(uid)
    if user is None or not user.active or user.session_epoch != session.get("epoch"):
        session.clear()
        return None
    return user


def has_role(user: Optional[StaffUser], role: str) -> bool:
    return user is not None and ROLE_RANK.get(user.role, -1) >= ROLE_RANK[role]


class LoginThrottle:
    """Slows down password guessing: failures per (address, name) and per address.

    In memory, per process (the console runs in one pages process).
    """

    def __init__(
        self, per_name: int = 5, per_address: int = 20, window_seconds: float = 900,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_name = per_name
        self.per_address = per_address
        self.window = window_seconds
        self.clock = clock
        self._failures: Dict[Tuple[str, str], Deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: Tuple[str, str]) -> Deque[float]:
        failures = self._failures[key]
        cutoff = self.clock() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def blocked(self, address: str, username: str) -> bool:
        with self._lock:
            return (
                len(self._recent((address, username.lower()))) >= self.per_name
                or len(self._recent((address, ""))) >= self.per_address
            )

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent((address, username.lower())).append(now)
            self._recent((address, "")).append(now)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username.lower()), None)
