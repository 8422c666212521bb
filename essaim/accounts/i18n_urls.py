from django.urls import path

from essaim.accounts import views_language

urlpatterns = [path("setlang/", views_language.set_language, name="set_language")]
