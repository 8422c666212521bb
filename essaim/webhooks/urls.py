from django.urls import URLPattern, URLResolver, path

from essaim.webhooks import views

app_name = "webhooks"

urlpatterns: list[URLPattern | URLResolver] = [
    path("campaigns/<slug:slug>/webhooks/", views.endpoint_list, name="list"),
    path("campaigns/<slug:slug>/webhooks/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("campaigns/<slug:slug>/webhooks/<int:pk>/ping/", views.endpoint_ping, name="ping"),
    path("campaigns/<slug:slug>/webhooks/<int:pk>/enable/", views.endpoint_enable, name="enable"),
    path("campaigns/<slug:slug>/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("campaigns/<slug:slug>/webhooks/<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path(
        "campaigns/<slug:slug>/webhooks/deliveries/<int:pk>/redeliver/",
        views.delivery_redeliver,
        name="redeliver",
    ),
    path("campaigns/<slug:slug>/widget/", views.widget_snippet, name="widget"),
]
