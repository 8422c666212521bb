from django.urls import URLPattern, URLResolver, path

from essaim.relay import views

app_name = "relay"

urlpatterns: list[URLPattern | URLResolver] = [
    path("r/<str:code>", views.go, name="go"),
    path("r/<str:code>/qr.svg", views.qr, name="qr"),
    path("campaigns/<slug:slug>/reach/", views.dashboard, name="dashboard"),
    path("campaigns/<slug:slug>/reach/<slug:table>.csv", views.export, name="export"),
]
