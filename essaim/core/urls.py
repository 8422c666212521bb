from django.urls import path

from essaim.core import views, views_staff

app_name = "core"

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("bare", views.bare, name="bare"),
    path("floor", views.floor, name="floor"),
    path("staff/emails/", views_staff.emails, name="staff_emails"),
    path("staff/emails/<str:name>", views_staff.email_detail, name="staff_email"),
]
