from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.accounts.selectors import home_point
from essaim.campaigns import permissions, selectors
from essaim.campaigns.attribution import touched_code
from essaim.campaigns.forms import CapacityForm, EventForm, ResultForm
from essaim.campaigns.models import Campaign, Event, Rsvp
from essaim.campaigns.services import events as event_services
from essaim.campaigns.share_image import event_share_text
from essaim.campaigns.views.guest_context import returning_guest_rsvp
from essaim.core.errors import NotFound, PermissionDenied
from essaim.core.forms import NearForm
from essaim.core.http import HtmxHttpRequest
from essaim.core.ical import ical_escape, ical_text
from essaim.core.places import DEFAULT_RADIUS_KM
from essaim.core.qr import qr_svg
from essaim.core.share_card import share_card, share_card_response
from essaim.core.site import absolute_url

# The list and the map show the nearest (or soonest) this many.
NEAR_LIMIT = 100


def _event(request: HtmxHttpRequest, slug: str, pk: int) -> tuple[Campaign, Event]:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    return campaign, selectors.event_get_for(campaign=campaign, pk=pk, user=request.user)


@require_GET
def events_near(request: HtmxHttpRequest) -> HttpResponse:
    """Upcoming events near a postcode or commune (or the person's home area), as a list that
    works without JavaScript, with the map above it."""
    user = request.user
    home = home_point(user)
    form = NearForm(request.GET or None, home=home)
    events: list[Event] = []
    point = home
    radius = DEFAULT_RADIUS_KM
    by_date = request.GET.get("sort") == "date"
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        point, radius = form.cleaned_data["point"], form.cleaned_data["radius"]
    if status == 200 and point is not None:
        events = list(
            selectors.events_near(user=user, point=point, radius_km=radius, by_date=by_date)[
                :NEAR_LIMIT
            ]
        )
    context = {
        "form": form,
        "events": events,
        "searched": point is not None and status == 200,
        "radius": radius,
        "by_date": by_date,
    }
    return render(request, "campaigns/events_near.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Hosts add events; anyone else proposes one for the hosts to approve."""
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    form = EventForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            event = event_services.event_create(
                actor=person(request), campaign=campaign, **form.cleaned_data
            )
            if event.status == Event.Status.PROPOSED:
                messages.success(request, _("Thank you: the hosts will review your event."))
            else:
                messages.success(request, _("The event is published."))
            return redirect(event)
        status = 400
    else:
        status = 200
    return render(
        request,
        "campaigns/event_form.html",
        {
            "campaign": campaign,
            "form": form,
            "is_host": permissions.is_host(request.user, campaign),
        },
        status=status,
    )


def event_context(request: HtmxHttpRequest, campaign: Campaign, event: Event) -> dict[str, object]:
    rsvp = selectors.rsvp_of(event, request.user)
    is_host = permissions.is_host(request.user, campaign)
    context: dict[str, object] = {
        "campaign": campaign,
        "event": event,
        "rsvp": rsvp,
        "rank": selectors.waitlist_rank(rsvp)
        if rsvp and rsvp.status == Rsvp.Status.WAITLISTED
        else None,
        "is_host": is_host,
        "can_act": permissions.can_act(campaign),
        "is_over": event.ends_at <= timezone.now(),
        "share_query": f"?v={event_share_text(event).version}",
    }
    if is_host:
        context["attendees"] = (
            event.rsvps.filter(status=Rsvp.Status.CONFIRMED)
            .select_related("user")
            .order_by("position")
        )
        context["waiting"] = (
            event.rsvps.filter(status=Rsvp.Status.WAITLISTED)
            .select_related("user")
            .order_by("position")
        )
        context["results"] = event.results.order_by("measure")
        context["result_form"] = ResultForm()
        context["capacity_form"] = CapacityForm(initial={"capacity": event.capacity})
        # A host who scanned an attendee's QR code lands here with its token.
        context["ticket"] = request.GET.get("ticket", "")[:500]
    return context


@require_GET
def event_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign, event = _event(request, slug, pk)
    context = event_context(request, campaign, event)
    if not request.user.is_authenticated:
        # A guest back in the browser they answered in sees their answer, not the form.
        context.update(returning_guest_rsvp(request, campaign, event))
    return render(request, "campaigns/event_detail.html", context)


@require_GET
def event_share_image(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    _campaign, event = _event(request, slug, pk)
    text = event_share_text(event)
    return share_card_response(
        share_card(f"event:{event.pk}", text), version=text.version, asked=request.GET.get("v")
    )


def _rsvp_response(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign, event = _event(request, slug, pk)
    if request.htmx:
        return render(request, "campaigns/_rsvp.html", event_context(request, campaign, event))
    return redirect(event)


@login_required
@require_POST
def rsvp(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign, event = _event(request, slug, pk)
    answer = event_services.rsvp_create(
        user=person(request), event=event, via=touched_code(request, campaign)
    )
    if not request.htmx:
        if answer.status == Rsvp.Status.CONFIRMED:
            messages.success(request, _("See you there!"))
        else:
            messages.info(request, _("The event is full: you are on the waiting list."))
    return _rsvp_response(request, slug, pk)


@login_required
@require_POST
def rsvp_cancel(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    _campaign, event = _event(request, slug, pk)
    event_services.rsvp_cancel(user=person(request), event=event)
    if not request.htmx:
        messages.info(request, _("Your place is given back."))
    return _rsvp_response(request, slug, pk)


@login_required
@require_POST
def event_decide(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    _campaign, event = _event(request, slug, pk)
    approve = request.POST.get("decision") == "approve"
    event_services.event_decide(actor=person(request), event=event, approve=approve)
    messages.success(request, _("Event approved.") if approve else _("Event declined."))
    return redirect("campaigns:manage", slug=slug)


def _event_initial(event: Event) -> dict[str, object]:
    local = {"starts_at": event.starts_at, "ends_at": event.ends_at}
    return {
        "title": event.title,
        "description": event.description,
        "address": event.address,
        "postcode": event.postcode,
        "city": event.city,
        "capacity": event.capacity,
        "cover_alt": event.cover_alt,
        **{
            name: timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
            for name, value in local.items()
        },
    }


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The hosts' form to change an event; `event_update` checks who may."""
    campaign, event = _event(request, slug, pk)
    if not permissions.is_host(request.user, campaign):
        raise PermissionDenied(_("Only the campaign's hosts can do this."))
    form = EventForm(request.POST or None, request.FILES or None, initial=_event_initial(event))
    form.has_cover = bool(event.cover)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            event_services.event_update(actor=person(request), event=event, **form.cleaned_data)
            messages.success(request, _("The event is updated."))
            return redirect(event)
        status = 400
    return render(
        request,
        "campaigns/event_form.html",
        {"campaign": campaign, "form": form, "is_host": True, "event": event},
        status=status,
    )


@login_required
@require_POST
def event_cancel(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    _campaign, event = _event(request, slug, pk)
    event_services.event_cancel(actor=person(request), event=event)
    messages.info(request, _("The event is cancelled."))
    return redirect(event)


@login_required
@require_POST
def event_capacity(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign, event = _event(request, slug, pk)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "campaigns/event_detail.html",
            {**event_context(request, campaign, event), "capacity_form": form},
            status=400,
        )
    event_services.event_set_capacity(
        actor=person(request), event=event, capacity=form.cleaned_data["capacity"]
    )
    messages.success(request, _("Capacity updated."))
    return redirect(event)


@login_required
@require_POST
def attendance(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Mark someone present: from the scanned QR code (`token`) or from the list (`rsvp`)."""
    _campaign, event = _event(request, slug, pk)
    token = request.POST.get("token") or None
    rsvp_id = request.POST.get("rsvp", "")
    target = event.rsvps.filter(pk=int(rsvp_id)).first() if rsvp_id.isdigit() else None
    if token is None and target is None:
        raise NotFound(_("This person is not registered for this event."))
    checked = event_services.attendance_check_in(
        actor=person(request), event=event, token=token, rsvp=target
    )
    messages.success(request, _("%(name)s is checked in.") % {"name": checked.user.display_name})
    return redirect(event)


@login_required
@require_POST
def event_results(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign, event = _event(request, slug, pk)
    form = ResultForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "campaigns/event_detail.html",
            {**event_context(request, campaign, event), "result_form": form},
            status=400,
        )
    event_services.event_report(actor=person(request), event=event, **form.cleaned_data)
    messages.success(request, _("Results saved."))
    return redirect(event)


def ticket_svg(rsvp: Rsvp, slug: str) -> str:
    """The attendee's QR code: the event's page with the signed token a host's scan reads
    back (`attendance_check_in`)."""
    token = event_services.attendance_token(rsvp)
    path = reverse("campaigns:event", kwargs={"slug": slug, "pk": rsvp.event_id})
    return qr_svg(absolute_url(f"{path}?ticket={token}"), scale=5, border=4)


@login_required
@require_GET
def my_ticket(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The attendee's QR code (SVG, drawn here): a signed token the hosts scan at the door."""
    _campaign, event = _event(request, slug, pk)
    mine = selectors.rsvp_of(event, request.user)
    if mine is None or mine.status != Rsvp.Status.CONFIRMED:
        raise NotFound(_("You have no confirmed place at this event."))
    response = HttpResponse(ticket_svg(mine, slug), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


def _ical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ical(events: list[Event], name: str) -> HttpResponse:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Essaim//Campagnes//FR",
        f"X-WR-CALNAME:{ical_escape(name)}",
    ]
    stamp = _ical_time(timezone.now())
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{event.pk}@essaim",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ical_time(event.starts_at)}",
            f"DTEND:{_ical_time(event.ends_at)}",
            f"SUMMARY:{ical_escape(event.title)}",
            f"LOCATION:{ical_escape(event.address)}",
            f"DESCRIPTION:{ical_escape(event.description)}",
            f"URL:{absolute_url(event.get_absolute_url())}",
        ]
        if event.latitude is not None and event.longitude is not None:
            lines.append(f"GEO:{event.latitude};{event.longitude}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    response = HttpResponse(ical_text(lines), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="essaim.ics"'
    return response


@require_GET
def event_ical(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    _campaign, event = _event(request, slug, pk)
    if event.status != Event.Status.APPROVED:
        raise NotFound(_("This event does not exist."))
    return _ical([event], event.title)


@require_GET
def campaign_ical(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    return _ical(
        list(campaign.events.filter(status=Event.Status.APPROVED).order_by("starts_at")),
        campaign.title,
    )
