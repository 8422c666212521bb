from django.apps import AppConfig


class ReachConfig(AppConfig):
    name = "essaim.reach"
    label = "reach"
