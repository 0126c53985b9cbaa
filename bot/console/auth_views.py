"""Signing in and out of the console, and its static files (web/console/).

    /console/login            the sign-in form (public; throttled: login_throttle.py)
    /console/logout           POST: ends the session
    /console/logout/everywhere  POST: ends every session of the user (every browser)
    /console/static/<file>    the console's CSS and scripts (public)

Every attempt, good or bad, goes to the audit log.  The two public endpoints are
``shared.PUBLIC_ENDPOINTS``; the guard (bot/console/shared.py) still checks the sign-in
form's CSRF token.
"""
from __future__ import annotations

from flask import g, redirect, render_template, request, send_from_directory, url_for

from bot.client_address import client_address
from bot.console.security import end_session, start_session
from bot.console.shared import config, console_blueprint, db, login_throttle, safe_next
from bot.settings import PROJECT_ROOT
from bot.storage.annotations import AuditRepository
from bot.storage.staff import StaffRepository
from bot.storage.staff_sessions import end_all

STATIC_DIR = PROJECT_ROOT / "web" / "console"

auth = console_blueprint("auth", __name__)


@auth.route("/static/<path:filename>")
def static(filename: str):
    return send_from_directory(STATIC_DIR, filename, max_age=300)


@auth.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.user is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    throttle = login_throttle()
    address = client_address(request.remote_addr, request.headers.get("X-Real-IP"),
                             config().trusted_proxies)
    username = (request.form.get("username") or "").strip().lower()[:64]
    password = request.form.get("password") or ""
    target = request.form.get("next", "")
    verdict = throttle.check(address, username)
    if not verdict.allowed:
        minutes = -(-verdict.retry_after // 60)
        page = render_template(
            "login.html", next=target, username=username,
            problem=f"Too many failed attempts for this name. Try again in {minutes} "
                    f"minute{'s' if minutes != 1 else ''}.",
        )
        return page, 429, {"Retry-After": str(verdict.retry_after)}
    throttle.wait(verdict)  # many failures from this address: slower, never refused
    staff = StaffRepository(db())
    user = staff.authenticate(username, password)
    audit = AuditRepository(db())
    if user is None:
        throttle.failed(address, username)
        audit.record(username or "?", "sign_in_failed", address=address)
        db().commit()
        return render_template(
            "login.html", next=target, username=username,
            problem="Wrong user name or password.",
        ), 401
    throttle.succeeded(address, username)
    audit.record(user.username, "signed_in", address=address)
    db().commit()
    start_session(user)
    return redirect(safe_next(target))


@auth.route("/logout", methods=["POST"])
def logout():
    AuditRepository(db()).record(g.user.username, "signed_out")
    db().commit()
    end_session()
    return redirect(url_for("auth.login"))


@auth.route("/logout/everywhere", methods=["POST"])
def logout_everywhere():
    """Signs the user out in every browser (a lost laptop, a shared computer)."""
    ended = end_all(db(), g.user.id)
    AuditRepository(db()).record(g.user.username, "signed_out_everywhere", sessions=ended)
    db().commit()
    end_session()
    return redirect(url_for("auth.login"))
