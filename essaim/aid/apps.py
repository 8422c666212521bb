from django.apps import AppConfig


class AidConfig(AppConfig):
    name = "essaim.aid"
    label = "aid"
