"""The hosts' export of the people who acted without an account and agreed to hear from
them (`selectors.guest.guest_contacts`): the only guests' names and addresses hosts receive."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from essaim.campaigns import selectors
from essaim.campaigns.selectors.guest import guest_contacts
from essaim.core.csv_files import csv_response
from essaim.core.http import HtmxHttpRequest


@login_required
@require_GET
def guest_contacts_export(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_hosted_by(slug=slug, user=request.user)
    rows: list[list[object]] = [
        [_("Name"), _("E-mail address"), _("Postcode"), _("Actions"), _("Since")]
    ]
    rows += [
        [
            contact.name,
            contact.email,
            contact.postcode,
            ", ".join(contact.actions),
            contact.since.date().isoformat(),
        ]
        for contact in guest_contacts(campaign)
    ]
    response = csv_response(f"{campaign.slug}-contacts.csv", rows)
    # Names and addresses: kept by no cache on the way.
    response["Cache-Control"] = "no-store"
    return response
