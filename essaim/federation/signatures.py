"""HTTP signatures as the fediverse uses them (draft-cavage-http-signatures-12, rsa-sha256),
with RSA keys from `cryptography`. The maintained PyPI libraries implement RFC 9421 instead,
which Mastodon and most servers do not speak yet; this is the small part they do.

Outgoing requests sign `(request-target) host date` and, with a body, `digest`. Incoming
ones must sign at least `(request-target) host date` (and `digest` with a body, matching
the body), with a date within `DATE_WINDOW` of ours."""

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_SIZE = 2048
# Mastodon's own window: a signature older or newer than this is a replay or a bad clock.
DATE_WINDOW = timedelta(hours=12)
REQUIRED = ("(request-target)", "host", "date")
PARAM = re.compile(r'(\w+)="([^"]*)"')


class SignatureError(Exception):
    """The request is not signed as required; the message says why (for the log and the 401)."""


def new_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a fresh RSA key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def digest_of(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: datetime | None = None) -> str:
    return format_datetime(moment or datetime.now(UTC), usegmt=True)


def _signing_string(method: str, path: str, headers: dict[str, str], names: list[str]) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        else:
            if name not in headers:
                raise SignatureError(f"signed header {name!r} is missing")
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines)


def sign(
    *,
    method: str,
    url: str,
    key_id: str,
    private_key_pem: str,
    body: bytes | None = None,
    date: datetime | None = None,
) -> dict[str, str]:
    """The headers to send with this request: Host, Date (now unless `date`), Digest (with a
    body), Signature."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"host": parts.netloc, "date": http_date(date)}
    names = ["(request-target)", "host", "date"]
    if body is not None:
        headers["digest"] = digest_of(body)
        names.append("digest")
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(
        _signing_string(method, path, headers, names).encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return {name.title(): value for name, value in headers.items()}


@dataclass(frozen=True)
class Signed:
    """A parsed Signature header: who says they signed, what, and the bytes to check."""

    key_id: str
    names: list[str]
    signature: bytes
    signing_string: str


def parse(
    *, method: str, path: str, headers: dict[str, str], body: bytes | None, now: datetime
) -> Signed:
    """Check everything but the key: the header's shape, the signed headers, the digest and the
    date. `headers` have lower-case names."""
    header = headers.get("signature", "")
    if not header:
        raise SignatureError("unsigned request")
    params = dict(PARAM.findall(header))
    key_id, signed = params.get("keyId", ""), params.get("signature", "")
    if not key_id or not signed:
        raise SignatureError("malformed signature header")
    if params.get("algorithm", "rsa-sha256") not in ("rsa-sha256", "hs2019"):
        raise SignatureError("unsupported signature algorithm")
    names = params.get("headers", "date").lower().split()
    needed = [*REQUIRED, "digest"] if body else list(REQUIRED)
    missing = [name for name in needed if name not in names]
    if missing:
        raise SignatureError(f"{missing[0]} is not signed")
    if body:
        expected = digest_of(body).split("=", 1)[1]
        # "SHA-256=…" or "sha-256=…": servers differ on the case of the algorithm's name.
        given = {
            name.strip().lower(): value
            for name, _sep, value in (
                part.partition("=") for part in headers.get("digest", "").split(",")
            )
        }
        if given.get("sha-256") != expected:
            raise SignatureError("digest does not match the body")
    try:
        date = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError) as error:
        raise SignatureError("malformed date") from error
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    if abs(now - date) > DATE_WINDOW:
        raise SignatureError("date outside the accepted window")
    try:
        raw = base64.b64decode(signed, validate=True)
    except ValueError as error:
        raise SignatureError("malformed signature") from error
    return Signed(
        key_id=key_id,
        names=names,
        signature=raw,
        signing_string=_signing_string(method, path, headers, names),
    )


def verify(signed: Signed, public_key_pem: str) -> None:
    """Raises SignatureError unless `public_key_pem` made the signature."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
    except ValueError as error:
        raise SignatureError("unreadable public key") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("not an RSA key")
    try:
        key.verify(
            signed.signature, signed.signing_string.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature as error:
        raise SignatureError("signature does not match") from error
