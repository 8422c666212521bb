from django.urls import URLPattern, URLResolver, path

from essaim.accounts import views

app_name = "accounts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/settings/", views.settings_view, name="settings"),
    path("<slug:handle>/", views.profile, name="profile"),
]
