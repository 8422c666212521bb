from django.urls import URLPattern, URLResolver, path

from essaim.feed import views

app_name = "feed"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
]
