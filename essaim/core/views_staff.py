"""Pages for the instance's staff."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from essaim.core.errors import NotFound
from essaim.core.mailbox import mailbox_dir, mailbox_get, mailbox_list


def _require_staff(request: HttpRequest) -> None:
    # Not found rather than forbidden: the page's existence is the staff's business.
    if not request.user.is_staff:
        raise NotFound(_("This page does not exist."))


@login_required
@require_GET
def emails(request: HttpRequest) -> HttpResponse:
    """The e-mails the instance sent to the mailbox on disk (`make demo`)."""
    _require_staff(request)
    return render(
        request,
        "core/staff_emails.html",
        {"messages_sent": mailbox_list(), "folder": mailbox_dir()},
    )


@login_required
@require_GET
def email_detail(request: HttpRequest, name: str) -> HttpResponse:
    _require_staff(request)
    message = mailbox_get(name)
    if message is None:
        raise NotFound(_("This e-mail does not exist."))
    return render(request, "core/staff_email.html", {"message": message})
