"""Staff accounts in the console: one's own password (/console/account) and, for
admins, users and the audit log (/console/users, /console/audit).

Sign-in, CSRF, headers and error pages: bot/console/shared.py.
"""
from __future__ import annotations

import secrets

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot.console.security import end_session, start_session
from bot.console.shared import console_blueprint, db, requires_role
from bot.storage.annotations import AuditRepository
from bot.storage.staff import ROLES, InvalidUser, StaffRepository

staff_pages = console_blueprint("staff", __name__)


@staff_pages.route("/account", methods=["GET", "POST"])
def account():
    if request.method == "POST":
        staff = StaffRepository(db())
        user = staff.get(g.user.id)
        if staff.authenticate(user.username, request.form.get("current", "")) is None:
            flash("The current password is wrong.", "error")
        elif request.form.get("new") != request.form.get("repeat"):
            flash("The two new passwords differ.", "error")
        else:
            try:
                staff.set_password(user, request.form.get("new", ""))
                AuditRepository(db()).record(user.username, "changed_own_password")
                db().commit()
                start_session(user)
                flash("Password changed.", "ok")
                return redirect(url_for("staff.account"))
            except InvalidUser as problem:
                flash(str(problem), "error")
        db().rollback()
    return render_template("account.html")


# -- admin: users and the audit log

@staff_pages.route("/users", methods=["GET", "POST"])
@requires_role("admin")
def users():
    staff = StaffRepository(db())
    created_password = None
    if request.method == "POST":
        password = request.form.get("password") or secrets.token_urlsafe(12)
        try:
            user = staff.create(
                request.form.get("username", ""), password, request.form.get("role", ""),
                created_by=g.user.username,
            )
            AuditRepository(db()).record(g.user.username, "user_created", user=user.username, role=user.role)
            db().commit()
            if not request.form.get("password"):
                created_password = (user.username, password)
            flash(f"User {user.username} created.", "ok")
        except InvalidUser as problem:
            db().rollback()
            flash(str(problem), "error")
    return render_template("users.html", users=staff.all(), roles=ROLES,
                           created_password=created_password)


@staff_pages.route("/users/<int:user_id>", methods=["POST"])
@requires_role("admin")
def update_user(user_id: int):
    staff = StaffRepository(db())
    user = staff.get(user_id)
    if user is None:
        abort(404, "No such user.")
    audit = AuditRepository(db())
    action = request.form.get("action")
    new_password = None
    try:
        if action == "role":
            role = request.form.get("role", "")
            if user.role == "admin" and role != "admin" and staff.active_admins() <= 1:
                raise InvalidUser("The last admin cannot lose the admin role.")
            staff.set_role(user, role)
            audit.record(g.user.username, "user_role_changed", user=user.username, role=role)
        elif action in ("disable", "enable"):
            if action == "disable" and user.role == "admin" and staff.active_admins() <= 1:
                raise InvalidUser("The last admin cannot be disabled.")
            staff.set_active(user, action == "enable")
            audit.record(g.user.username, f"user_{action}d", user=user.username)
        elif action == "reset_password":
            new_password = secrets.token_urlsafe(12)
            staff.set_password(user, new_password)
            audit.record(g.user.username, "user_password_reset", user=user.username)
        else:
            abort(400, "Unknown action.")
        db().commit()
    except InvalidUser as problem:
        db().rollback()
        flash(str(problem), "error")
        return redirect(url_for("staff.users"))
    if user.id == g.user.id and action != "enable":
        start_session(user) if user.active else end_session()
    if new_password:
        return render_template("users.html", users=staff.all(), roles=ROLES,
                               created_password=(user.username, new_password))
    flash(f"User {user.username} updated.", "ok")
    return redirect(url_for("staff.users"))


@staff_pages.route("/audit")
@requires_role("admin")
def audit():
    return render_template("audit.html", events=AuditRepository(db()).recent(300))
