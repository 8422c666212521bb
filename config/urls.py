from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from essaim.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Early: a viral campaign's page and its one-click actions are most of the traffic, and
    # every pattern tried before them costs each request.
    path("campaigns/", include("essaim.campaigns.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("essaim.accounts.i18n_urls")),
    path("", include("essaim.core.urls")),
    path("", include("essaim.feed.urls")),
    # Under the profile's settings ("me" is a reserved handle), served by the API's domain.
    path("people/me/tokens/", include("essaim.api.urls")),
    path("people/", include("essaim.accounts.urls")),
    path("communities/", include("essaim.communities.urls")),
    path("aid/", include("essaim.aid.urls")),
    path("messages/", include("essaim.messaging.urls")),
    path("", include("essaim.relay.urls")),
    path("notifications/", include("essaim.notifications.urls")),
    path("moderation/", include("essaim.moderation.urls")),
    path("", include("essaim.reach.urls")),
    path("", include("essaim.webhooks.urls")),
    path("", include("essaim.federation.urls")),
    path("embed/", include("essaim.webhooks.embed_urls")),
]

handler500 = "essaim.core.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
