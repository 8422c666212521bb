"""`make demo`'s stack (scripts/demo.py): the web server, a task worker and the scheduler
start side by side on loopback; a scheduled job runs (an event reminder is queued by the
scheduler, sent by the worker) and its e-mail reaches the mailbox staff read at
/staff/emails/; Ctrl-C stops all three."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.mail import send_mail
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
# Bounds, not measurements: how long the stack may take on a busy machine before the test
# gives up.
START_SECONDS = 120
MAIL_SECONDS = 180

SETUP = """
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.utils import timezone
from essaim.accounts.models import User
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.tests.factories import EventFactory
start = timezone.now() + timedelta(hours=1)
event = EventFactory.create(title="Ramassage du canal", starts_at=start,
                            ends_at=start + timedelta(hours=2))
person = User.objects.create_user("awa@exemple.test", "motdepasse-solide-42",
                                  display_name="Awa")
rsvp_create(user=person, event=event)
User.objects.create_superuser("admin@exemple.test", "motdepasse-solide-42")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(1)
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TASKS_", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        MAILBOX_DIR=str(tmp_path / "mail"),
        HOST="127.0.0.1",
        PORT=str(_free_port()),
    )
    for arguments in (["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]):
        subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, timeout=600
        )
    return env


def test_the_demo_stack_runs_a_scheduled_job_and_keeps_its_e_mail(
    demo_env: dict[str, str], tmp_path: Path
) -> None:
    stack = subprocess.Popen(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=demo_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{demo_env['PORT']}"
    try:
        assert _wait_for(lambda: _answers(f"{base}/healthz"), START_SECONDS), "no web server"
        mail = tmp_path / "mail"
        assert _wait_for(lambda: any(mail.glob("*.eml")), MAIL_SECONDS), "no reminder e-mail"
        [message] = list(mail.glob("*.eml"))
        text = message.read_bytes().decode()
        assert "awa@exemple.test" in text and "Ramassage du canal" in text
    finally:
        stack.send_signal(signal.SIGINT)
        output = stack.communicate(timeout=60)[0].decode()
    assert stack.returncode == 0, output
    assert not _answers(f"{base}/healthz"), "the web server outlived the stack"


@pytest.mark.django_db
def test_staff_read_the_mailbox_others_do_not(client, settings, tmp_path: Path) -> None:
    settings.EMAIL_BACKEND = "essaim.core.mailbox.MailboxBackend"
    settings.MAILBOX_DIR = tmp_path / "mail"
    send_mail("Rappel : ramassage", "Demain à 10 h.", None, ["awa@exemple.test"])
    [name] = [path.name for path in (tmp_path / "mail").glob("*.eml")]
    listing = reverse("core:staff_emails")
    detail = reverse("core:staff_email", args=[name])
    assert client.get(listing).status_code == 302  # to the log-in page
    client.force_login(UserFactory.create())
    assert client.get(listing).status_code == 404
    assert client.get(detail).status_code == 404
    client.force_login(UserFactory.create(is_staff=True))
    page = client.get(listing).content.decode()
    assert "Rappel : ramassage" in page and "awa@exemple.test" in page
    assert "Demain à 10 h." in client.get(detail).content.decode()
    for bad in ("..%2Fsecret_key", ".hidden.eml", "nope.eml", "x.txt"):
        assert client.get(f"{listing}{bad}").status_code == 404
