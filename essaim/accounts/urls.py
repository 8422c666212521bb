from django.urls import URLPattern, URLResolver, path

from essaim.accounts import views

app_name = "accounts"

# "me" is a reserved handle (models.RESERVED_HANDLES), so these never shadow a profile.
urlpatterns: list[URLPattern | URLResolver] = [
    path("me/settings/", views.settings_view, name="settings"),
    path("me/settings/fediverse/", views.federation, name="federation"),
    path("me/export/", views.export, name="export"),
    path("me/delete/", views.delete_account, name="delete"),
    path("<slug:handle>/", views.profile, name="profile"),
    path("<slug:handle>/follow/", views.follow, name="follow"),
    path("<slug:handle>/unfollow/", views.unfollow, name="unfollow"),
    path(
        "<slug:handle>/followers/",
        views.people,
        {"direction": "followers"},
        name="followers",
    ),
    path(
        "<slug:handle>/following/",
        views.people,
        {"direction": "following"},
        name="following",
    ),
]
