"""The personal access tokens page, linked from the profile's settings: create (the secret is
shown once, on the response to the creation itself), list, revoke. The rules live in
services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.api import selectors as token_selectors
from essaim.api import services as token_services
from essaim.api.forms import AccessTokenForm
from essaim.core.errors import ApplicationError


def _page(
    request: HttpRequest, form: AccessTokenForm, *, secret: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": token_selectors.tokens_of(person(request)),
            "new_secret": secret,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, AccessTokenForm())
    form = AccessTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        created = token_services.token_create(
            user=person(request), name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
    except ApplicationError as error:
        form.add_error("name", error.message)
        return _page(request, form, status=error.status_code)
    # Rendered, not redirected: the secret must not travel through the session or a message.
    return _page(request, AccessTokenForm(), secret=created.secret, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = person(request)
    token = token_selectors.token_get_for(pk=pk, user=user)
    token_services.token_revoke(actor=user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("tokens:list")
