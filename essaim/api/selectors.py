"""Reads on access tokens: a person only ever sees their own."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.api.models import AccessToken
from essaim.core.errors import NotFound


def tokens_of(user: User) -> QuerySet[AccessToken]:
    """Live tokens first, newest first; revoked ones stay listed as a record."""
    return AccessToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-pk")


def token_get_for(*, pk: int, user: User) -> AccessToken:
    try:
        return AccessToken.objects.get(pk=pk, user=user)
    except AccessToken.DoesNotExist as error:
        raise NotFound(_("This token does not exist.")) from error
