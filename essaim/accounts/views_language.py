from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from essaim.accounts.http import person
from essaim.accounts.models import User


@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The switch in the page: stored in the profile for members, in a cookie for visitors.

    A visitor's switch changes nothing but their own cookie, so it needs no CSRF token: the
    page an anonymous crowd shares (a campaign in a viral spike) then carries no one's token
    and is the same bytes for everyone. A member's switch writes their profile: checked."""
    if request.user.is_authenticated:
        return _member_set_language(request)
    return django_set_language(request)


@csrf_protect
def _member_set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language in dict(User._meta.get_field("language").choices or []):
        User.objects.filter(pk=person(request).pk).update(language=language)
    return django_set_language(request)
