from django.urls import URLPattern, URLResolver, path

from essaim.api import views

app_name = "tokens"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.token_list, name="list"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
