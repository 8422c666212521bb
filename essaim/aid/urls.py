from django.urls import URLPattern, URLResolver, path

from essaim.aid import views

app_name = "aid"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.listing_list, name="list"),
]
