import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from essaim.campaigns.models import Campaign
from essaim.campaigns.models.campaign import CONSENT_MAX_LENGTH
from essaim.campaigns.models.video import URL_MAX_LENGTH
from essaim.campaigns.services.guest import default_consent
from essaim.core.dates import plausible_date
from essaim.core.errors import ValidationError
from essaim.core.images import CoverFields
from essaim.core.video import video_link, video_platforms


class CampaignForm(CoverFields):
    title = forms.CharField(label=_("Title"), max_length=140)
    summary = forms.CharField(label=_("Summary"), max_length=280)
    category = forms.ChoiceField(label=_("Cause"), choices=Campaign.Category.choices)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown is allowed."),
    )
    starts_on = forms.DateField(
        label=_("Starts on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[plausible_date],
    )
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[plausible_date],
    )
    consent_text = forms.CharField(
        label=_("Consent text for visitors without an account"),
        max_length=CONSENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The standard text, in the host's language, as the preview of what an empty field
        # means: what visitors tick unless the hosts write their own.
        self.fields["consent_text"].help_text = gettext(
            "What a visitor ticks to act with a name and an e-mail, at most %(limit)s "
            "characters. Each action keeps the text as it was when given. Left empty, it "
            "reads: “%(default)s”"
        ) % {"limit": CONSENT_MAX_LENGTH, "default": default_consent()}
        self.fields["consent_text"].widget.attrs["placeholder"] = default_consent()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


class VideoForm(forms.Form):
    url = forms.URLField(
        label=_("Video link"),
        max_length=URL_MAX_LENGTH,
        required=False,
        assume_scheme="https",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = ", ".join(platform.name for platform in video_platforms())
        self.fields["url"].help_text = gettext(
            "The address of one video on %(platforms)s. Its title and picture are shown on "
            "the page; the video itself plays from its platform when a visitor clicks. "
            "Leave empty to remove the video."
        ) % {"platforms": names or "—"}

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url:
            return ""
        try:
            return video_link(url).url
        except ValidationError as error:
            raise forms.ValidationError(error.message) from error


class InviteForm(forms.Form):
    handle = forms.SlugField(label=_("A person's handle"), max_length=40, required=False)
    community = forms.SlugField(label=_("or a community's address"), max_length=60, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("handle")) == bool(data.get("community")):
            raise forms.ValidationError(_("Invite one person or one community."))
        return data


class BodyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Your message is empty."))
        return body


class SignForm(forms.Form):
    show_name = forms.BooleanField(label=_("Show my name publicly"), required=False)


class EventForm(CoverFields):
    title = forms.CharField(label=_("Title"), max_length=140)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    city = forms.CharField(
        label=_("City"),
        max_length=80,
        required=False,
        help_text=_("With the postcode or the city, the event shows on the map."),
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[plausible_date],
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[plausible_date],
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100_000)


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100_000)


class ResultForm(forms.Form):
    measure = forms.CharField(label=_("What was measured"), max_length=80)
    unit = forms.CharField(label=_("Unit"), max_length=20)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )


class GiveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("1"), max_value=Decimal("1000000"), decimal_places=2
    )
    anonymous = forms.BooleanField(label=_("Give anonymously"), required=False)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_amount(self) -> int:
        """In minor units."""
        try:
            return int(self.cleaned_data["amount"] * 100)
        except (InvalidOperation, TypeError) as error:
            raise forms.ValidationError(_("Enter an amount.")) from error


class InKindForm(forms.Form):
    partner = forms.CharField(label=_("Partner"), max_length=120)
    item = forms.CharField(label=_("Item"), max_length=120)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000_000)
    unit = forms.CharField(label=_("Unit"), max_length=20)
    declared_value = forms.DecimalField(
        label=_("Declared value"),
        min_value=Decimal(0),
        max_value=Decimal("10000000"),
        decimal_places=2,
    )

    def clean_declared_value(self) -> int:
        return int(self.cleaned_data["declared_value"] * 100)


class PledgeSetupForm(forms.Form):
    text = forms.CharField(
        label=_("What people sign"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    goal_ladder = forms.RegexField(
        label=_("Goals"),
        regex=r"^\s*(\d+\s*(,\s*\d+\s*)*)?$",
        max_length=200,
        required=False,
        help_text=_("Comma-separated, e.g. 100, 500, 1000; empty for automatic goals."),
    )


class ChallengeSetupForm(forms.Form):
    starts_on = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[plausible_date],
    )
    ends_on = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[plausible_date],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The challenge cannot end before it starts."))
        return data


class FundraiserSetupForm(forms.Form):
    goal = forms.DecimalField(
        label=_("Goal"), min_value=Decimal(1), max_value=Decimal("100000000"), decimal_places=2
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("EUR", "EUR"), ("CHF", "CHF"), ("USD", "USD")]
    )

    def clean_goal(self) -> int:
        return int(self.cleaned_data["goal"] * 100)


class InvalidationForm(forms.Form):
    """The criteria of a batch of suspicious signatures, and why (`services.invalidation`)."""

    email_domain = forms.CharField(
        label=_("E-mail domain"),
        max_length=253,
        required=False,
        help_text=_("Its subdomains too: spam.example selects mail.spam.example."),
    )
    signed_from = forms.DateTimeField(
        label=_("Signed from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[plausible_date],
    )
    signed_until = forms.DateTimeField(
        label=_("Signed before"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[plausible_date],
    )
    network = forms.CharField(
        label=_("Network"),
        max_length=64,
        required=False,
        help_text=_("An address or its network: 203.0.113.0/24, 2001:db8:1::/48."),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log."),
    )
    everything = forms.BooleanField(
        label=_("With no criterion: I mean every signature given without an account"),
        required=False,
    )
    # One per form shown: the same form sent twice makes one batch.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
