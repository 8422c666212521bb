from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.accounts.models import User
from essaim.core.http import redirect_back
from essaim.notifications import selectors, services, shortcuts
from essaim.notifications.forms import PreferencesForm
from essaim.notifications.links import unsubscribe_read
from essaim.notifications.models import Frequency, Notification

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
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, initial_frequencies=current
    )
    if request.method == "POST":
        if form.is_valid():
            services.preferences_set(user=user, choices=form.cleaned_data)
            messages.success(request, _("Your e-mail preferences are saved."))
            return HttpResponseRedirect(reverse("notifications:preferences"))
        return render(request, "notifications/preferences.html", _table(form), status=400)
    return render(request, "notifications/preferences.html", _table(form))


def _table(form: PreferencesForm) -> dict[str, object]:
    rows = [
        {"field": form[kind], "allowed": selectors.frequencies_allowed(kind)}
        for kind in form.fields
    ]
    return {"form": form, "frequencies": Frequency.choices, "rows": rows}


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
