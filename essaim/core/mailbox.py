"""A mailbox on disk for the demo and development: an e-mail backend that keeps every message
the instance sends under MAILBOX_DIR (var/mail) instead of delivering it, and the reading side
the staff page /staff/emails/ lists. The web server, the task workers and the scheduler are
separate processes, so the messages must live where all of them write and the page reads."""

import email
import email.policy
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage as ParsedMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

SUFFIX = ".eml"


def mailbox_dir() -> Path:
    return Path(settings.MAILBOX_DIR)


class MailboxBackend(BaseEmailBackend):
    """Writes each message to its own .eml file: `<UTC time>-<random>.eml`, so names sort by
    arrival and two processes never write the same file."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = mailbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}{SUFFIX}"
            temporary = folder / f".{name}.tmp"
            temporary.write_bytes(message.message().as_bytes())
            # Renamed once complete: the page never reads half a message.
            temporary.rename(folder / name)
            sent += 1
        return sent


@dataclass(frozen=True)
class StoredMessage:
    name: str
    subject: str
    to: str
    sender: str
    date: datetime | None
    text: str


def _read(path: Path) -> StoredMessage:
    parsed: Any = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    message: ParsedMessage = parsed
    body = message.get_body(preferencelist=("plain", "html"))
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    return StoredMessage(
        name=path.name,
        subject=str(message["Subject"] or ""),
        to=str(message["To"] or ""),
        sender=str(message["From"] or ""),
        date=date,
        text=body.get_content() if body is not None else "",
    )


def mailbox_list(limit: int = 200) -> list[StoredMessage]:
    """The latest messages first."""
    folder = mailbox_dir()
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob(f"*{SUFFIX}"), reverse=True)[:limit]
    return [_read(path) for path in paths]


def mailbox_get(name: str) -> StoredMessage | None:
    """One message by its file name; anything that is not a plain name in the folder is None."""
    if not name.endswith(SUFFIX) or Path(name).name != name or name.startswith("."):
        return None
    path = mailbox_dir() / name
    return _read(path) if path.is_file() else None
