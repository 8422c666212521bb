"""A guest's own data, from the link in every e-mail they get (see `services.guest_data`):
the page that shows what they gave, its JSON download, and its deletion."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from essaim.accounts.http import export_download
from essaim.accounts.models import User
from essaim.campaigns.guest_forms import GuestDataDeleteForm
from essaim.campaigns.selectors.guest import guest_actions_of
from essaim.campaigns.services import guest_data as services
from essaim.core.http import HtmxHttpRequest


def _context(person: User, token: str, form: GuestDataDeleteForm) -> dict[str, Any]:
    return {
        "person": person,
        "token": token,
        "manages_by_link": services.manages_by_link(person),
        "actions": guest_actions_of(person),
        "form": form,
    }


def _unreferred(response: HttpResponse) -> HttpResponse:
    # The page's address is the person's key: no link followed from it carries it along, not
    # even to this site's own logs.
    response["Referrer-Policy"] = "no-referrer"
    return response


# Never kept by a cache on the way: the page is one person's, reached by their link. A GET
# shows and never deletes (mail scanners follow every link of a message); only the form's
# POST, ticked, deletes.
@never_cache
@require_http_methods(["GET", "POST"])
def guest_data(request: HtmxHttpRequest, token: str) -> HttpResponse:
    person = services.person_for_data_token(token)
    if request.method == "GET":
        return _unreferred(
            render(
                request,
                "campaigns/guest_data.html",
                _context(person, token, GuestDataDeleteForm()),
            )
        )
    form = GuestDataDeleteForm(request.POST)
    if not form.is_valid():
        template = "campaigns/_guest_data.html" if request.htmx else "campaigns/guest_data.html"
        return _unreferred(render(request, template, _context(person, token, form), status=400))
    services.guest_data_erase(person=person)
    template = (
        "campaigns/_guest_data_deleted.html"
        if request.htmx
        else "campaigns/guest_data_deleted.html"
    )
    return render(request, template)


@never_cache
@require_GET
def guest_data_export(request: HtmxHttpRequest, token: str) -> HttpResponse:
    person = services.person_for_data_token(token)
    return export_download(person, services.guest_data_export(person=person))
