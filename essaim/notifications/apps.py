from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "essaim.notifications"
    label = "notifications"

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.notifications import services

        personal_data.register("notifications", export=services.export, erase=services.erase)
