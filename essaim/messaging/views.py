"""Inbox, conversation and new-message pages. Thin: parse, call a service or selector, render."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from essaim.accounts.http import person
from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.selectors import listing_get_for
from essaim.core import errors
from essaim.core.http import HtmxHttpRequest
from essaim.core.parts import Part
from essaim.messaging.forms import ConversationStartForm, MessageForm
from essaim.messaging.permissions import can_receive_messages
from essaim.messaging.selectors import (
    INBOX_PAGE_SIZE,
    conversation_get_for,
    conversation_list_for,
    conversation_listing_for,
    message_page_for,
    message_recipient_get,
)
from essaim.messaging.services import conversation_mark_read, conversation_start, message_send


def listing_reply(*, viewer: User | AnonymousUser, listing: AidListing) -> Part | None:
    """The reply form on an open aid listing (a core.parts part): replying starts a
    conversation with its author, about it."""
    if not viewer.is_authenticated or viewer.pk == listing.author_id or not listing.is_active:
        return None
    form = ConversationStartForm(
        initial={"recipient": listing.author.handle, "listing": listing.pk}
    )
    return Part(template="messaging/_listing_reply.html", context={"reply_form": form})


@login_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    conversations = conversation_list_for(person(request))
    page = Paginator(conversations, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def conversation_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = person(request)
    conversation = conversation_get_for(pk=pk, user=user)
    status = 200
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message = message_send(
                    sender=user,
                    conversation=conversation,
                    body=form.cleaned_data["body"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except errors.ValidationError as error:
                form.add_error("body", error.message)
            else:
                if request.htmx:
                    # The fresh form replaces the old one; the new bubble is appended out of band.
                    return render(
                        request,
                        "messaging/conversation.html#message-sent",
                        {"conversation": conversation, "form": MessageForm(), "message": message},
                    )
                return redirect(f"{conversation.get_absolute_url()}#message-{message.pk}")
        if request.htmx:
            # htmx does not swap a 4xx body by default: the form with its errors comes back as 200.
            return render(
                request,
                "messaging/conversation.html#reply-form",
                {"conversation": conversation, "form": form},
            )
        status = 400
    else:
        form = MessageForm()
        conversation_mark_read(user=user, conversation=conversation)
    page = message_page_for(user=user, conversation=conversation, page=request.GET.get("page"))
    others = [p.user for p in conversation.other_participants]  # type: ignore[attr-defined]
    context = {
        "conversation": conversation,
        "other_participants": others,
        "can_reply": any(can_receive_messages(other) for other in others),
        "listing": conversation_listing_for(user=user, conversation=conversation),
        "page": page,
        "form": form,
    }
    return render(request, "messaging/conversation.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HtmxHttpRequest) -> HttpResponse:
    """Write to someone by handle (from their profile); optionally about a listing."""
    status = 200
    recipient = None
    if request.method == "POST":
        form = ConversationStartForm(request.POST)
        if form.is_valid():
            try:
                recipient = message_recipient_get(handle=form.cleaned_data["recipient"])
                listing = (
                    listing_get_for(pk=form.cleaned_data["listing"], user=person(request))
                    if form.cleaned_data["listing"]
                    else None
                )
                conversation = conversation_start(
                    sender=person(request),
                    recipient=recipient,
                    body=form.cleaned_data["body"],
                    listing=listing,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except (errors.ValidationError, errors.NotFound) as error:
                form.add_error(None, error.message)
            else:
                if request.htmx:
                    return render(
                        request,
                        "messaging/start.html#start-sent",
                        {"conversation": conversation, "recipient": recipient},
                    )
                return redirect(conversation)
        if request.htmx:
            return render(
                request,
                "messaging/start.html#start-form",
                {"form": form, "recipient": recipient},
            )
        status = 400
    else:
        form = ConversationStartForm(
            initial={"recipient": request.GET.get("to", ""), "listing": request.GET.get("listing")}
        )
    return render(request, "messaging/start.html", {"form": form}, status=status)
