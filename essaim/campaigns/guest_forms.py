"""The form a visitor without an account signs with (see `services.guest`)."""

import re
import time
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from essaim.campaigns.models import Campaign, GuestAction
from essaim.campaigns.proof_of_work_forms import ProofOfWorkForm
from essaim.campaigns.services.guest import consent_for
from essaim.core.text import is_storable

STARTED_SALT = "essaim.campaigns.guest-form"
# A form shown longer ago than this is sent again from a fresh page.
STARTED_MAX_AGE = 24 * 3600
POSTCODE = re.compile(r"^[A-Za-z0-9 -]*$")


def started_token() -> str:
    """When the form was shown, signed: what the minimum-time check reads back. The anonymous
    crowd shares one rendering of the page, so it holds no one's token, only a time."""
    return signing.dumps(int(time.time() * 1000), salt=STARTED_SALT)


class GuestSignForm(ProofOfWorkForm):
    proof_form = "guest-sign"

    name = forms.CharField(label=_("Your name"), max_length=80)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("Never shown to anyone: we write to it to confirm your signature."),
    )
    postcode = forms.CharField(label=_("Postcode (optional)"), max_length=12, required=False)
    consent = forms.BooleanField(required=True)
    hear_from_hosts = forms.BooleanField(
        label=_("I would like to hear from the hosts of this campaign"), required=False
    )
    # The honeypot: hidden from people, filled by the machines that fill every field.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(required=False)

    def __init__(
        self, *args: Any, campaign: Campaign, kind: str = GuestAction.Kind.SIGN, **kwargs: Any
    ) -> None:
        super().__init__(*args, campaign=campaign, **kwargs)
        self.fields["consent"].label = consent_for(campaign, kind)
        if kind == GuestAction.Kind.SIGN:
            self.fields["consent"].error_messages["required"] = _(
                "Tick the box to agree: your signature cannot be recorded without it."
            )
        else:
            self.fields["email"].help_text = _(
                "Never shown to anyone: we write to it to confirm your answer and to send "
                "you your personal link."
            )
            self.fields["consent"].error_messages["required"] = _(
                "Tick the box to agree: your answer cannot be recorded without it."
            )

    def terms(self) -> dict[str, Any]:
        """What the action takes besides the person (an in-kind offer's terms)."""
        return {}

    def started_value(self) -> str:
        """A fresh time on every rendering: a form sent again after an error is timed anew."""
        return started_token()

    def clean_postcode(self) -> str:
        postcode: str = self.cleaned_data["postcode"].strip()
        if not POSTCODE.match(postcode):
            raise forms.ValidationError(_("A postcode has only letters, digits and spaces."))
        return postcode

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The view is exempt from CSRF, which the site's form check (core.middleware's
        # FormTextMiddleware) leaves to the view: the same rule, here.
        texts = [str(value) for value in cleaned.values() if isinstance(value, str)]
        if not all(is_storable(text) for text in texts):
            raise forms.ValidationError(
                _(
                    "This form holds characters that cannot be stored (control "
                    "characters or text that is not UTF-8): remove them and send it again."
                )
            )
        if cleaned.get("website"):
            raise forms.ValidationError(_("Your signature could not be recorded: try again."))
        try:
            shown = int(
                signing.loads(
                    str(cleaned.get("started", "")), salt=STARTED_SALT, max_age=STARTED_MAX_AGE
                )
            )
        except (signing.BadSignature, ValueError, TypeError) as error:
            raise forms.ValidationError(
                _("This form is too old: reload the page and sign again.")
            ) from error
        if time.time() * 1000 - shown < settings.CAMPAIGNS_GUEST_MIN_SECONDS * 1000:
            raise forms.ValidationError(_("That was very quick: check the form and send it again."))
        self.proof_check()
        return cleaned


class GuestInKindForm(GuestSignForm):
    """Goods offered to a fundraiser without an account (bounds: `forms.InKindForm`'s)."""

    item = forms.CharField(label=_("What you offer"), max_length=120)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000_000)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    declared_value = forms.DecimalField(
        label=_("Estimated value"),
        min_value=Decimal(0),
        max_value=Decimal("10000000"),
        decimal_places=2,
    )

    def __init__(
        self, *args: Any, campaign: Campaign, kind: str = GuestAction.Kind.GIVE, **kwargs: Any
    ) -> None:
        super().__init__(*args, campaign=campaign, kind=kind, **kwargs)
        self.fields["email"].help_text = _(
            "Never shown to anyone: we write to it to confirm your pledge."
        )

    def terms(self) -> dict[str, Any]:
        return {
            "offer": {
                "item": self.cleaned_data["item"],
                "quantity": self.cleaned_data["quantity"],
                "unit": self.cleaned_data["unit"],
                # In minor units.
                "declared_value": int(self.cleaned_data["declared_value"] * 100),
            }
        }


class GuestGiveForm(GuestSignForm):
    """A gift of money without an account. Its idempotency key is drawn when the page is
    shown (never on the shared, cached campaign page): one form, one gift."""

    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("1"), max_value=Decimal("1000000"), decimal_places=2
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(
        self, *args: Any, campaign: Campaign, kind: str = GuestAction.Kind.GIVE, **kwargs: Any
    ) -> None:
        super().__init__(*args, campaign=campaign, kind=kind, **kwargs)
        self.fields["email"].help_text = _(
            "Never shown to anyone: we send your receipt to it. Your gift is listed without a name."
        )

    def clean_amount(self) -> int:
        """In minor units."""
        return int(self.cleaned_data["amount"] * 100)


class GuestDataDeleteForm(forms.Form):
    """Deleting what a guest gave, from their e-mail's link: a tick to say they mean it (the
    link's GET shows and never deletes; mail scanners open every link)."""

    confirm = forms.BooleanField(
        label=_("I understand that my actions are withdrawn and my name and address erased"),
        error_messages={"required": _("Tick the box to confirm the deletion.")},
    )
