"""The proof of work's part of a form (see `services.proof_of_work`): the challenge and its
answer, which the page's script (static/campaigns/proof_of_work.js) fills."""

from typing import Any, ClassVar

from django import forms
from django.urls import reverse

from essaim.campaigns.models import Campaign
from essaim.campaigns.services.proof_of_work import proof_required, proof_verify
from essaim.core.errors import ValidationError


class ProofOfWorkForm(forms.Form):
    # Which form the challenge is bound to: one of services.proof_of_work.FORMS.
    proof_form: ClassVar[str]

    proof_challenge = forms.CharField(required=False, max_length=400)
    proof_nonce = forms.CharField(required=False, max_length=40)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def proof_required(self) -> bool:
        return proof_required(self.campaign)

    def proof_url(self) -> str:
        return reverse("campaigns:proof_challenge", args=[self.campaign.slug, self.proof_form])

    def proof_check(self) -> None:
        """The last of the form's checks: a form refused for anything else keeps its challenge
        unspent (the page asks for a fresh one with the form anyway)."""
        if self.errors or not self.proof_required():
            return
        try:
            proof_verify(
                campaign=self.campaign,
                form=self.proof_form,
                token=self.cleaned_data.get("proof_challenge", ""),
                nonce=self.cleaned_data.get("proof_nonce", ""),
            )
        except ValidationError as error:
            raise forms.ValidationError(error.message) from error
