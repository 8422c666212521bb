from django.urls import URLPattern, URLResolver, path

from essaim.communities import views

app_name = "communities"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.community_list, name="list"),
]
