from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "essaim.demo"
    label = "demo"
