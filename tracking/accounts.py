"""Staff accounts and API tokens. Passwords are hashed (scrypt, via Werkzeug); tokens are random
and only their SHA-256 is stored, so a leaked database leaks no usable credential."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from tracking.errors import Conflict, Unauthorized, ValidationFailed
from tracking.models import ApiToken, User
from tracking.services import audit

ROLES = ("admin", "center", "postal")
TOKEN_PREFIX = "bct_"
MIN_PASSWORD = 8


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"role is one of {', '.join(ROLES)}", field="role")


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    now: datetime,
    full_name: str | None = None,
    actor: str = "cli",
) -> User:
    _check_role(role)
    username = username.strip()
    if not username or len(username) > 64:
        raise ValidationFailed("a username has 1 to 64 characters", field="username")
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"a password has at least {MIN_PASSWORD} characters", field="password"
        )
    if session.scalars(select(User.id).where(User.username == username)).first():
        raise Conflict(f"user {username!r} exists", field="username", code="duplicate")
    user = User(
        username=username,
        role=role,
        full_name=full_name,
        password_hash=generate_password_hash(password),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit(session, now, actor, "user.created", "user", username, {"role": role})
    return user


def check_password(session: Session, username: str, password: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active:
        # Spend the same time as a real check so that names can't be probed by timing.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


_DUMMY_HASH = generate_password_hash("not a password")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    role: str,
    name: str,
    *,
    now: datetime,
    user: User | None = None,
    actor: str = "cli",
) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    _check_role(role)
    if not name.strip():
        raise ValidationFailed("a token needs a name", field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tok = ApiToken(
        name=name.strip(),
        role=role,
        token_hash=token_hash(plain),
        prefix=plain[:12],
        user_id=user.id if user else None,
        created_at=now,
    )
    session.add(tok)
    session.flush()
    audit(session, now, actor, "token.created", "api_token", tok.id, {"role": role, "name": name})
    return tok, plain


def authenticate_token(session: Session, plain: str) -> ApiToken:
    tok = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(plain))).first()
    if tok is None or tok.revoked_at is not None:
        raise Unauthorized("the token is unknown or revoked")
    return tok


def revoke_token(session: Session, prefix: str, *, now: datetime, actor: str = "cli") -> int:
    toks = session.scalars(select(ApiToken).where(ApiToken.prefix == prefix)).all()
    for tok in toks:
        tok.revoked_at = now
        audit(session, now, actor, "token.revoked", "api_token", tok.id)
    return len(toks)
