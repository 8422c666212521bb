from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation

from essaim.accounts.models import User, canonical_email
from essaim.accounts.services import address_take
from essaim.core.errors import ValidationError
from essaim.core.http import client_address


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """An alias of an address already registered ("j.ean+essaim@gmail.com" for
        "jean@gmail.com") is that address: allauth then treats the sign-up as one for an
        existing account (without telling the visitor whether it exists, by e-mail only)."""
        email = super().clean_email(email)
        existing = (
            User.objects.filter(email_canonical=canonical_email(email))
            .values_list("email", flat=True)
            .first()
        )
        return existing or email

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's per-address limits (log-in, sign-up, password reset) count the visitor
        the app's own write limits count: behind `PROXY_COUNT` proxies, the address the first
        trusted proxy saw. allauth's default would count the proxy itself, so ~30 failed
        log-ins a minute from anywhere would lock everyone out."""
        return client_address(request)

    def set_password(self, user: User, password: str) -> None:
        """A guest who chooses a password (the reset link of the "account already exists"
        e-mail, which proves the address) becomes an account: the same row, so every guest
        action is already theirs, counted once. Their handle is given now: a guest's was written
        without a look and never shown (guests have no profile), so the account gets the one
        its name gives, made by `User.save` as any account's."""
        if user.is_guest:
            user.handle = ""
        user.is_guest = False
        super().set_password(user, password)

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        """A new address, once its owner clicked the link, becomes the account's only one
        (`ACCOUNT_CHANGE_EMAIL`) if no one else is known by it (`address_take`); refused with
        a message otherwise, the account's address unchanged."""
        try:
            # One transaction: the guest forgotten only if the account does take the address.
            with transaction.atomic():
                address_take(user=email_address.user, email=email_address.email)
                confirmed = super().confirm_email(request, email_address)
                transaction.set_rollback(not confirmed)
        except ValidationError as refusal:
            messages.error(request, refusal.message)
            return False
        return confirmed

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "").strip()
        language = translation.get_language() or "fr"
        user.language = language[:2] if language[:2] in {"fr", "en"} else "fr"
        if commit:
            user.save()
        return user
