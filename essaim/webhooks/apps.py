from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "essaim.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
