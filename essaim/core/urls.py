from django.urls import path

from essaim.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("bare", views.bare, name="bare"),
    path("floor", views.floor, name="floor"),
]
