from django.apps import AppConfig


class AidConfig(AppConfig):
    name = "essaim.aid"
    label = "aid"

    def ready(self) -> None:
        from essaim.accounts import personal_data
        from essaim.aid import personal_data as aid_data

        personal_data.register("aid", export=aid_data.export, erase=aid_data.erase)
