from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "essaim.moderation"
    label = "moderation"
