"""Staff accounts of the console: names, roles, argon2 password hashes."""
from __future__ import annotations

import re
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Column, Float, Integer, String, func, select
from sqlalchemy.orm import Session

from bot.storage.annotations import now
from bot.storage.database import Base
from bot.storage.staff_sessions import end_all

ROLES = ("agent", "trainer", "admin")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS = 10

# argon2id with the library's defaults (RFC 9106 "low memory" profile).
_hasher = PasswordHasher()
# Compared against when the user does not exist, so that a wrong name takes as long
# as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    # Bumped on password change or disabling: sessions carrying an older value end
    # (their rows are deleted too: bot/storage/staff_sessions.py).
    session_epoch = Column(Integer, nullable=False, default=0)
    created_at = Column(Float, nullable=False)
    created_by = Column(String(64))
    last_login_at = Column(Float)


class InvalidUser(ValueError):
    pass


def validate_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidUser("A user name is 2-64 lower-case letters, digits, '.', '_' or '-'.")
    return username


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidUser(f"The role is one of {', '.join(ROLES)}.")
    return role


def validate_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise InvalidUser(f"A password has at least {MIN_PASSWORD_CHARS} characters.")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return self.session.execute(select(func.count()).select_from(StaffUser)).scalar_one()

    def get(self, user_id: int) -> Optional[StaffUser]:
        return self.session.get(StaffUser, user_id)

    def by_name(self, username: str) -> Optional[StaffUser]:
        return self.session.execute(
            select(StaffUser).where(StaffUser.username == (username or "").strip().lower())
        ).scalar_one_or_none()

    def all(self) -> List[StaffUser]:
        return list(self.session.execute(select(StaffUser).order_by(StaffUser.username)).scalars())

    def create(self, username: str, password: str, role: str, created_by: Optional[str] = None) -> StaffUser:
        username = validate_username(username)
        validate_role(role)
        validate_password(password)
        if self.by_name(username) is not None:
            raise InvalidUser(f"There is already a user {username}.")
        user = StaffUser(
            username=username, password_hash=hash_password(password), role=role,
            active=True, session_epoch=0, created_at=now(), created_by=created_by,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def authenticate(self, username: str, password: str) -> Optional[StaffUser]:
        """The active user with that name and password, else None (in constant-ish time)."""
        user = self.by_name(username)
        stored = user.password_hash if user is not None else _DUMMY_HASH
        try:
            _hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = now()
        return user

    def set_password(self, user: StaffUser, password: str) -> None:
        validate_password(password)
        user.password_hash = hash_password(password)
        user.session_epoch += 1
        end_all(self.session, user.id)  # signed out everywhere

    def set_role(self, user: StaffUser, role: str) -> None:
        user.role = validate_role(role)
        user.session_epoch += 1
        end_all(self.session, user.id)  # signed out everywhere

    def set_active(self, user: StaffUser, active: bool) -> None:
        user.active = active
        user.session_epoch += 1
        end_all(self.session, user.id)  # signed out everywhere

    def active_admins(self) -> int:
        return self.session.execute(
            select(func.count()).select_from(StaffUser).where(
                StaffUser.role == "admin", StaffUser.active.is_(True)
            )
        ).scalar_one()
