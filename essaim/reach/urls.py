from django.urls import URLPattern, URLResolver, path

from essaim.reach import views

app_name = "reach"

urlpatterns: list[URLPattern | URLResolver] = [
    path("campaigns/<slug:slug>/planner/", views.planner, name="planner"),
    path("campaigns/<slug:slug>/planner/<int:pk>/", views.plan_detail, name="plan"),
]
