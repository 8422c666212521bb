from django.urls import URLPattern, URLResolver, path

from essaim.webhooks import embed

app_name = "embed"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/", embed.widget, name="widget"),
    path("<slug:slug>/sign/", embed.sign, name="sign"),
    path("<slug:slug>/join/", embed.join, name="join"),
    path("<slug:slug>/guest/", embed.guest_sign, name="guest_sign"),
]
