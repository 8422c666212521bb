from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from essaim.accounts.models import User


def profile(request: HttpRequest, handle: str) -> HttpResponse:
    person = get_object_or_404(User, handle=handle, is_active=True)
    return render(request, "accounts/profile.html", {"person": person})


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html", {})
