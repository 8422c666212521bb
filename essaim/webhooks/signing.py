"""The signature of a delivery, as a receiver checks it.

    Essaim-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

A receiver recomputes the HMAC over the timestamp, a dot and the raw request body with the
endpoint's secret, compares in constant time, and refuses a timestamp more than a few minutes
old (a replayed request). `verify` is the reference implementation.

For a day after the secret is rotated, deliveries are signed with both secrets, the header
carrying two v1 values (new first): a receiver accepts the request when one of them matches
the secret it knows, so it can switch to the new secret at any time during that day.
"""

import hashlib
import hmac

TOLERANCE_SECONDS = 300


def signature_of(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes, previous_secret: str = "") -> str:
    """The Essaim-Signature header; `previous_secret` adds its own v1 value (rotation)."""
    secrets = [secret, previous_secret] if previous_secret else [secret]
    values = ",".join(
        f"v1={signature_of(secret=key, timestamp=timestamp, body=body)}" for key in secrets
    )
    return f"t={timestamp},{values}"


def verify(
    *, secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """True when `header` signs `body` with `secret` and is recent."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature_of(secret=secret, timestamp=timestamp, body=body)
    # Several v1 values may be present while a secret is being rotated.
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
