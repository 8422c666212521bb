from django.urls import URLPattern, URLResolver, path

from essaim.aid import views

app_name = "aid"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.listing_list, name="list"),
    path("new/", views.listing_create, name="create"),
    path("<int:pk>/", views.listing_detail, name="detail"),
    path("<int:pk>/edit/", views.listing_edit, name="edit"),
    path("<int:pk>/status/", views.listing_status, name="status"),
]
