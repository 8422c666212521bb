from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "essaim.campaigns"
    label = "campaigns"
