from django.urls import URLPattern, URLResolver, path

from essaim.messaging import views

app_name = "messaging"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("new/", views.start, name="start"),
    path("<int:pk>/", views.conversation_detail, name="conversation"),
]
