"""Sign-in, sessions, CSRF tokens and roles for the console (throttling: login_throttle.py).

Sessions are kept on the server (bot/console/sessions.py; the cookie is HttpOnly,
SameSite=Lax, Secure when configured, and holds only a random id).  A session holds the
user's id, their ``session_epoch`` (bumped on password change, role change or
disabling, which also deletes every session of that user) and a CSRF token that every
POST must send back (form field ``csrf_token`` or header ``X-CSRF-Token``), compared in
constant time.  Flask-WTF's CSRFProtect would do the same with a signed, timed token; it
is not installed and would add nothing here.  The guard that applies them to every
console route is bot/console/shared.py.
"""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Optional

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
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
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
    """Signs ``user`` in with a new session id (bot/console/sessions.py)."""
    session.clear()
    session.renew()
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
