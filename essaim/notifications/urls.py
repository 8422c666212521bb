from django.urls import URLPattern, URLResolver, path

from essaim.notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notification_list, name="list"),
    path("read/", views.notification_read_all, name="read_all"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("preferences/", views.preferences, name="preferences"),
    path("push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    path("push/done/<str:token>/", views.push_done, name="push_done"),
    path("push/place/<str:choice>/<str:token>/", views.push_place, name="push_place"),
    path("my-campaigns/", views.my_campaigns, name="my_campaigns"),
    path("today/", views.today, name="today"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
