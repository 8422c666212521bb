"""Who a session is logged in as, without loading the person: for the one-click signing lane,
which checks the session inside the SQL statement that signs.

Django keeps in each logged-in session an HMAC-SHA256 of the person's password hash
(`AbstractBaseUser.get_session_auth_hash`) and refuses the session once the password changes.
HMAC(K, m) = SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)), with K derived from SECRET_KEY as
Django's `salted_hmac` derives it: with both pads computed here, PostgreSQL's built-in
`sha256()` checks the session in the same statement. Should Django ever change how it hashes,
the check fails closed: the lane hands every request to the ordinary path, which knows (a test
compares the two)."""

import functools
import hashlib

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.http import HttpRequest

KEY_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
BLOCK_SIZE = 64  # SHA-256's

# The person's session hash, computed by PostgreSQL from `u.password` (u: accounts_user).
SESSION_HASH_SQL = (
    "encode(sha256(%(hash_outer)s::bytea || "
    "sha256(%(hash_inner)s::bytea || convert_to(u.password, 'UTF8'))), 'hex')"
)


@functools.lru_cache(maxsize=4)
def _pads(secret: str) -> tuple[bytes, bytes]:
    key = hashlib.sha256(KEY_SALT.encode() + secret.encode()).digest().ljust(BLOCK_SIZE, b"\0")
    return bytes(byte ^ 0x36 for byte in key), bytes(byte ^ 0x5C for byte in key)


def session_hash_params() -> dict[str, bytes]:
    """The parameters `SESSION_HASH_SQL` needs, for the current SECRET_KEY."""
    inner, outer = _pads(settings.SECRET_KEY)
    return {"hash_inner": inner, "hash_outer": outer}


def session_login(request: HttpRequest) -> tuple[int, str] | None:
    """(person id, session hash) when the session says someone logged in through one of the
    configured backends; None otherwise (the ordinary path then decides)."""
    session = request.session
    user_id, backend, session_hash = (
        session.get(SESSION_KEY),
        session.get(BACKEND_SESSION_KEY),
        session.get(HASH_SESSION_KEY),
    )
    if not user_id or not session_hash or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        return int(user_id), str(session_hash)
    except (TypeError, ValueError):
        return None
