from django.urls import path

from essaim.core import views, views_pwa, views_staff

app_name = "core"

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("bare", views.bare, name="bare"),
    path("floor", views.floor, name="floor"),
    # The installable app: at the root, so the service worker's scope is the whole site.
    path("sw.js", views_pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", views_pwa.manifest, name="manifest"),
    path("offline/", views_pwa.offline, name="offline"),
    path("icons/<int:size>.png", views_pwa.icon, name="icon"),
    path("icons/maskable-<int:size>.png", views_pwa.icon_maskable, name="icon_maskable"),
    path("staff/emails/", views_staff.emails, name="staff_emails"),
    path("staff/emails/<str:name>", views_staff.email_detail, name="staff_email"),
]
