"""Staff accounts from the command line, and the first admin.

    python -m bot.ops.users create NAME --role agent|trainer|admin [--password-stdin]
    python -m bot.ops.users list
    python -m bot.ops.users disable NAME
    python -m bot.ops.users enable NAME
    python -m bot.ops.users set-password NAME [--password-stdin]

The database is DATABASE_URL (or --database-url); its schema is migrated first.
"""
from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Optional

from sqlalchemy.exc import IntegrityError

from bot.console.databases import Databases, format_time, zone
from bot.settings import settings
from bot.storage.annotations import AuditRepository
from bot.storage.staff import ROLES, InvalidUser, StaffRepository

FIRST_ADMIN = "admin"


def ensure_first_admin(databases: Databases, password: str = "", out=sys.stdout) -> Optional[str]:
    """Creates ``admin`` when there is no staff account at all; returns the name if created.

    The password is ``password`` (CONSOLE_ADMIN_PASSWORD) or a random one, printed once.
    """
    with databases.sessions() as session:
        staff = StaffRepository(session)
        if staff.count() > 0:
            return None
        generated = not password
        password = password or secrets.token_urlsafe(15)
        try:
            staff.create(FIRST_ADMIN, password, "admin", created_by="first start")
            AuditRepository(session).record("system", "user_created", user=FIRST_ADMIN, role="admin")
            session.commit()
        except IntegrityError:  # another process created it first
            session.rollback()
            return None
    if generated:
        print(
            "\n*** Staff console: created the first user 'admin' with the password\n"
            f"***     {password}\n"
            "*** It is shown only this once. Sign in and change it under your account,\n"
            "*** or set CONSOLE_ADMIN_PASSWORD before the first start next time.\n",
            file=out, flush=True,
        )
    else:
        print("Staff console: created the first user 'admin' (password from "
              "CONSOLE_ADMIN_PASSWORD).", file=out, flush=True)
    return FIRST_ADMIN


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise InvalidUser("The two passwords differ.")
    return first


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.users",
                                     description="Staff accounts of the console.")
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a user")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    commands.add_parser("list", help="list users")
    for name in ("disable", "enable"):
        commands.add_parser(name, help=f"{name} a user (ends their sessions)").add_argument("name")
    set_password = commands.add_parser("set-password", help="set a user's password")
    set_password.add_argument("name")
    set_password.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)

    config = settings()
    url = args.database_url or config.database_url
    databases = Databases.open(url, url)
    try:
        with databases.sessions() as session:
            staff = StaffRepository(session)
            audit = AuditRepository(session)
            if args.command == "list":
                tz = zone(config.console_timezone)
                for user in staff.all():
                    print(f"{user.username:<24} {user.role:<8} "
                          f"{'active' if user.active else 'disabled':<9} "
                          f"last sign-in {format_time(user.last_login_at, tz) or 'never'}")
                return 0
            if args.command == "create":
                password = _read_password(args.password_stdin)
                user = staff.create(args.name, password, args.role, created_by="command line")
                audit.record("command line", "user_created", user=user.username, role=user.role)
                session.commit()
                print(f"Created {user.username} ({user.role}).")
                return 0
            user = staff.by_name(args.name)
            if user is None:
                print(f"No user {args.name}.", file=sys.stderr)
                return 1
            if args.command in ("disable", "enable"):
                staff.set_active(user, args.command == "enable")
                audit.record("command line", f"user_{args.command}d", user=user.username)
            else:
                staff.set_password(user, _read_password(args.password_stdin))
                audit.record("command line", "user_password_reset", user=user.username)
            session.commit()
            print(f"{user.username}: done.")
            return 0
    except InvalidUser as problem:
        print(problem, file=sys.stderr)
        return 2
    finally:
        databases.dispose()


if __name__ == "__main__":
    sys.exit(main())
