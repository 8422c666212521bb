from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "essaim.feed"
    label = "feed"
