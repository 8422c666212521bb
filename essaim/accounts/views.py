from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts import selectors, services
from essaim.accounts.forms import DeleteAccountForm, FederationForm, ProfileForm
from essaim.accounts.http import export_download
from essaim.accounts.models import User
from essaim.core import parts
from essaim.core.errors import ValidationError
from essaim.core.http import HtmxHttpRequest, redirect_back
from essaim.core.site import site_hostname

PEOPLE_PAGE_SIZE = 50


@require_GET
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    person = selectors.person_get(handle=handle)
    return render(
        request,
        "accounts/profile.html",
        {
            "person": person,
            "counts": selectors.follow_counts(person),
            "is_following": selectors.is_following(request.user, person),
            "parts": parts.parts_for("accounts.profile", viewer=request.user, profile_of=person),
        },
    )


@require_GET
def people(request: HttpRequest, handle: str, direction: str) -> HttpResponse:
    person = selectors.person_get(handle=handle)
    queryset = (
        selectors.followers_of(person)
        if direction == "followers"
        else selectors.followed_by(person)
    )
    page = Paginator(queryset, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "accounts/people.html", {"person": person, "direction": direction, "page": page}
    )


def _follow_response(request: HtmxHttpRequest, person: User) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "accounts/profile.html#follow-button",
            {
                "person": person,
                "counts": selectors.follow_counts(person),
                "is_following": selectors.is_following(request.user, person),
            },
        )
    return redirect_back(request, fallback=person.get_absolute_url())


@login_required
@require_POST
def follow(request: HtmxHttpRequest, handle: str) -> HttpResponse:
    person = selectors.person_get(handle=handle)
    assert isinstance(request.user, User)
    if services.user_follow(follower=request.user, followed=person) and not request.htmx:
        messages.success(request, _("You now follow %(name)s.") % {"name": person.display_name})
    return _follow_response(request, person)


@login_required
@require_POST
def unfollow(request: HtmxHttpRequest, handle: str) -> HttpResponse:
    person = selectors.person_get(handle=handle)
    assert isinstance(request.user, User)
    if services.user_unfollow(follower=request.user, followed=person) and not request.htmx:
        messages.success(
            request, _("You no longer follow %(name)s.") % {"name": person.display_name}
        )
    return _follow_response(request, person)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    initial = {
        "display_name": user.display_name,
        "bio": user.bio,
        "city": user.city,
        "home_area": user.home_area,
        "language": user.language,
    }
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                # Geocoded only when it changed: every other profile save leaves it be.
                if "home_area" in form.changed_data:
                    services.home_area_set(user=user, home_area=data["home_area"])
            except ValidationError as error:
                form.add_error("home_area", error.message)
                return render(
                    request,
                    "accounts/settings.html",
                    {"form": form, "federation_form": _federation_form(user)},
                    status=400,
                )
            services.profile_update(
                user=user,
                display_name=data["display_name"],
                bio=data["bio"],
                city=data["city"],
                language=data["language"],
                avatar=data["avatar"],
                remove_avatar=data["remove_avatar"],
            )
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:settings")
            # The interface follows the language the person just chose.
            response.set_cookie("django_language", user.language, samesite="Lax")
            return response
        return render(
            request,
            "accounts/settings.html",
            {"form": form, "federation_form": _federation_form(user)},
            status=400,
        )
    return render(
        request,
        "accounts/settings.html",
        {
            "form": ProfileForm(initial=initial),
            "federation_form": _federation_form(user),
        },
    )


def _federation_form(user: User) -> FederationForm:
    return FederationForm(initial={"federated": user.federated_at is not None})


@login_required
@require_POST
def federation(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = FederationForm(request.POST)
    federated = form.is_valid() and form.cleaned_data["federated"]
    services.user_federation_set(user=user, federated=federated)
    if federated:
        messages.success(
            request,
            _("You are on the fediverse as %(address)s.")
            % {"address": f"@{user.handle}@{site_hostname()}"},
        )
    else:
        messages.info(request, _("You are no longer on the fediverse."))
    return redirect("accounts:settings")


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return export_download(user, services.user_export(user))


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            services.user_delete(user=user)
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for your help."))
            return redirect("feed:home")
        return render(
            request,
            "accounts/delete.html",
            {"form": form, "federation_form": _federation_form(user)},
            status=400,
        )
    return render(request, "accounts/delete.html", {"form": form})
