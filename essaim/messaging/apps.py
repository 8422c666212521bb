from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "essaim.messaging"
    label = "messaging"
