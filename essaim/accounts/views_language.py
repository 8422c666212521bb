from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from essaim.accounts.models import User


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The switch in the page: stored in the profile for members, in a cookie for visitors."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(
        User._meta.get_field("language").choices or []
    ):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return django_set_language(request)
