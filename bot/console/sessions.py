"""The console's sessions, kept on the server (Flask's session interface).

Flask's own sessions are signed cookies holding everything: a cookie copied before
signing out kept working until it expired (issue 14 item 4).  Here a signed-in browser's
cookie (``console_session``) holds only a random id; the contents are a row of
``staff_sessions`` (bot/storage/staff_sessions.py) that signing out deletes, that ends
after CONSOLE_IDLE_MINUTES without a request and CONSOLE_SESSION_HOURS after sign-in.

Before signing in, a browser needs only the sign-in form's CSRF token.  Keeping rows for
anonymous visitors would let anyone fill the table, so that token travels in a short-lived
signed cookie (``console_signin``, itsdangerous like Flask's own sessions).  That cookie
is never believed for a user id: only a server row signs anyone in.

Why not Flask-Login: it keeps the user's id in Flask's cookie session and has no server
session, idle timeout or revocation, so this module would be needed anyway, and the
guard (shared.py) already does what its ``login_required`` does.  Flask-Session wants
Flask-SQLAlchemy (a second way to hold engines) or a cache server.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, Optional

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.staff_sessions import Lifetimes, StaffSessionRepository

SESSION_COOKIE = "console_session"
SIGN_IN_COOKIE = "console_signin"
# What an anonymous browser's signed cookie may hold.
SIGN_IN_KEYS = ("csrf_token", "_flashes")
SIGN_IN_MAX_AGE = 3600
# A session's last request is written at most this often (the inbox polls every few s).
TOUCH_SECONDS = 60


class ServerSession(SecureCookieSession):
    """The session's contents, with the id of its row (None: not signed in)."""

    def __init__(self, initial: Optional[Dict[str, Any]] = None, session_id: Optional[str] = None,
                 last_seen_at: float = 0.0) -> None:
        super().__init__(initial or {})
        self.session_id = session_id
        self.loaded_uid = (initial or {}).get("uid")
        self.last_seen_at = last_seen_at
        self.renewed = False
        self.stale_cookie = False

    def renew(self) -> None:
        """A new id at sign-in (or a password change): an id known before stops working."""
        self.renewed = True


class ServerSessionInterface(SessionInterface):
    def __init__(self, sessions: "sessionmaker[Session]", lifetimes: Lifetimes,
                 clock: Callable[[], float] = time.time) -> None:
        """``sessions`` makes the project database's SQLAlchemy sessions."""
        self.sessions = sessions
        self.lifetimes = lifetimes
        self.clock = clock

    def _signer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key, salt="console-sign-in")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            with self.sessions() as db:
                found = StaffSessionRepository(db, self.lifetimes).find(session_id, self.clock())
                db.commit()
            if found is not None:
                return ServerSession(found.data, session_id, found.last_seen_at)
        anonymous = ServerSession(self._anonymous(app, request))
        anonymous.stale_cookie = bool(session_id)  # signed out, expired or unknown
        return anonymous

    def _anonymous(self, app: Flask, request: Request) -> Dict[str, Any]:
        signed = request.cookies.get(SIGN_IN_COOKIE)
        if not signed:
            return {}
        try:
            data = self._signer(app).loads(signed, max_age=SIGN_IN_MAX_AGE)
        except BadSignature:
            return {}
        return {key: data[key] for key in SIGN_IN_KEYS if key in data}

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        uid = session.get("uid")
        if uid is None and session.session_id is None:
            self._save_anonymous(app, session, response)
            return
        now = self.clock()
        new_sign_in = uid is not None and (session.session_id is None or session.renewed
                                           or uid != session.loaded_uid)
        with self.sessions() as db:
            sessions = StaffSessionRepository(db, self.lifetimes)
            if session.session_id and (uid is None or new_sign_in):
                sessions.end(session.session_id)  # signed out, or signed in anew
            if new_sign_in:
                session_id = sessions.create(uid, dict(session), now)
            elif uid is not None and (session.modified or now - session.last_seen_at > TOUCH_SECONDS):
                sessions.save(session.session_id, dict(session) if session.modified else None, now)
            db.commit()
        if new_sign_in:
            self._set(app, response, SESSION_COOKIE, session_id)
            self._delete(app, response, SIGN_IN_COOKIE)
        elif uid is None:
            self._delete(app, response, SESSION_COOKIE)
            self._save_anonymous(app, session, response)

    def _save_anonymous(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.stale_cookie:
            self._delete(app, response, SESSION_COOKIE)
        if not session.modified:
            return
        kept = {key: session[key] for key in SIGN_IN_KEYS if key in session}
        if kept:
            self._set(app, response, SIGN_IN_COOKIE, self._signer(app).dumps(kept))
        else:
            self._delete(app, response, SIGN_IN_COOKIE)

    def _set(self, app: Flask, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name, value, path=self.get_cookie_path(app), secure=self.get_cookie_secure(app),
            httponly=True, samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    def _delete(self, app: Flask, response: Response, name: str) -> None:
        response.delete_cookie(name, path=self.get_cookie_path(app),
                               secure=self.get_cookie_secure(app), httponly=True,
                               samesite=self.get_cookie_samesite(app))
