import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.accounts.models import User
from essaim.core.errors import ApplicationError, ValidationError
from essaim.core.http import redirect_back
from essaim.notifications import done_today, place_freed, push, selectors, services, shortcuts
from essaim.notifications.forms import PreferencesForm, push_field
from essaim.notifications.links import unsubscribe_read
from essaim.notifications.models import Frequency, Notification, PushSchedule

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(person(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_read(user=person(request), pk=pk)
    return redirect_back(request, fallback=reverse("notifications:list"))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=person(request))
    return redirect_back(request, fallback=reverse("notifications:list"))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = person(request)
    current = {kind: frequency for kind, _label, frequency in selectors.preferences_for(user)}
    schedule = push.schedule_of(user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial_frequencies=current,
        initial_push=selectors.pushed_kinds(user),
        quiet=(schedule.quiet_from, schedule.quiet_until),
    )
    if request.method == "POST":
        if form.is_valid():
            services.preferences_set(user=user, choices=form.frequencies(), push=form.pushed())
            quiet_from, quiet_until = (
                form.cleaned_data["quiet_from"],
                form.cleaned_data["quiet_until"],
            )
            if quiet_from is not None and quiet_until is not None:
                push.schedule_set(user=user, quiet_from=quiet_from, quiet_until=quiet_until)
            messages.success(request, _("Your notification preferences are saved."))
            return HttpResponseRedirect(reverse("notifications:preferences"))
        context = _table(form, user, schedule)
        return render(request, "notifications/preferences.html", context, status=400)
    return render(request, "notifications/preferences.html", _table(form, user, schedule))


def _table(form: PreferencesForm, user: User, schedule: PushSchedule) -> dict[str, object]:
    rows = [
        {
            "field": form[kind],
            "push": form[push_field(kind)],
            "allowed": selectors.frequencies_allowed(kind),
        }
        for kind in Notification.Kind.values
    ]
    return {
        "form": form,
        "frequencies": Frequency.choices,
        "rows": rows,
        "push_key": settings.PUSH_VAPID_PUBLIC_KEY if push.is_configured() else "",
        "push_devices": push.devices_of(user),
        "push_schedule": schedule,
        "push_cap": settings.PUSH_DAILY_CAP,
    }


# No log-in and no CSRF token: the signed token is the authority, and mail clients POST here
# themselves (RFC 8058 one-click, `List-Unsubscribe=One-Click`). A GET only asks, so a link
# scanner that opens the link unsubscribes nobody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    asked = unsubscribe_read(token)
    user = (
        User.objects.filter(pk=asked.user_id, is_active=True).first() if asked is not None else None
    )
    if asked is None or user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    labels = [Notification.Kind(kind).label for kind in asked.kinds]
    if request.method == "POST":
        services.unsubscribe(user=user, kinds=asked.kinds)
        return render(request, "notifications/unsubscribe.html", {"done": True, "labels": labels})
    return render(request, "notifications/unsubscribe.html", {"labels": labels})


@login_required
@require_GET
def my_campaigns(request: HttpRequest) -> HttpResponse:
    """The installed app's "My campaigns" shortcut."""
    campaigns = Paginator(shortcuts.my_campaigns(person(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/my_campaigns.html", {"page": campaigns})


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """The installed app's "Today's challenge" shortcut: the challenge still to check in to
    today, or the person's campaigns when there is none."""
    campaign = shortcuts.challenge_due_today(person(request))
    if campaign is None:
        messages.info(request, _("No challenge is waiting for you today."))
        return HttpResponseRedirect(reverse("notifications:my_campaigns"))
    return HttpResponseRedirect(campaign.get_absolute_url())


def _json_body(request: HttpRequest) -> dict[str, Any]:
    # A form's body is not JSON, and once the CSRF check read it as a form Django keeps no raw
    # copy of a multipart one (request.body would raise).
    if request.content_type != "application/json":
        raise ValidationError(_("Send a JSON object."))
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(_("Send a JSON object.")) from error
    if not isinstance(data, dict):
        raise ValidationError(_("Send a JSON object."))
    return data


def _text(data: dict[str, Any], *path: str) -> str:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """This device's subscription, as the browser's PushSubscription.toJSON() gives it."""
    data = _json_body(request)
    try:
        subscription = push.subscription_save(
            user=person(request),
            endpoint=_text(data, "subscription", "endpoint"),
            p256dh=_text(data, "subscription", "keys", "p256dh"),
            auth=_text(data, "subscription", "keys", "auth"),
            time_zone=_text(data, "time_zone"),
            device=_text(data, "device"),
        )
    except ApplicationError as error:
        return JsonResponse({"detail": error.message}, status=error.status_code)
    return JsonResponse(
        {"detail": _("Notifications are on for this device."), "id": subscription.pk}
    )


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    data = _json_body(request)
    deleted = push.subscription_delete(user=person(request), endpoint=_text(data, "endpoint"))
    return JsonResponse({"detail": _("Notifications are off for this device."), "deleted": deleted})


# No log-in and no CSRF token: the service worker posts here from a notification's button,
# with no page and no cookie; the signed, per-day token is the authority (done_today).
@csrf_exempt
@require_POST
def push_done(request: HttpRequest, token: str) -> JsonResponse:
    return _button_answer(lambda: done_today.done_today(token))


# The buttons of a freed place's push, as "Done today" above (place_freed).
@csrf_exempt
@require_POST
def push_place(request: HttpRequest, token: str, choice: str) -> JsonResponse:
    return _button_answer(lambda: place_freed.place_answer(token, choice))


def _button_answer(press: Callable[[], done_today.Answer]) -> JsonResponse:
    try:
        answer = press()
    except ApplicationError as error:
        return JsonResponse({"detail": error.message}, status=error.status_code)
    return JsonResponse({"title": answer.title, "detail": answer.detail, "created": answer.created})
