from django.urls import URLPattern, URLResolver, path

from essaim.moderation import views

app_name = "moderation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("audit/", views.audit, name="audit"),
    path("spam-wave/", views.spam_wave, name="spam_wave"),
    path("report/<slug:kind>/<int:pk>/", views.report, name="report"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("open/<slug:kind>/<int:pk>/", views.case_open, name="open"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("log/<slug:slug>/", views.community_log, name="log"),
]
