from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "essaim.notifications"
    label = "notifications"

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.core import scheduler
        from essaim.notifications import scheduling, services

        personal_data.register("notifications", export=services.export, erase=services.erase)
        scheduler.register("notifications_tick", every=60, run=scheduling.tick)
