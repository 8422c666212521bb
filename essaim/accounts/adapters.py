from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils import translation

from essaim.accounts.models import User
from essaim.accounts.services import handle_for


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "").strip()
        user.handle = handle_for(user.display_name)
        language = translation.get_language() or "fr"
        user.language = language[:2] if language[:2] in {"fr", "en"} else "fr"
        if commit:
            user.save()
        return user
