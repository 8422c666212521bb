"""python manage.py reach_import FILE --name NAME: a follower graph from an edge list."""

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from essaim.core.errors import ValidationError
from essaim.reach.importer import read_edges
from essaim.reach.models import ReachGraph


class Command(BaseCommand):
    help = "Import a follower graph from an edge list (SNAP text, CSV, gzip)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", help="the graph's name (default: the file's name)")
        parser.add_argument(
            "--reverse",
            action="store_true",
            help='lines read "follower followed" instead of "followed follower"',
        )
        parser.add_argument("--replace", action="store_true", help="replace a graph of that name")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        name = options["name"] or path.name.split(".")[0].lower().replace("_", "-")
        if ReachGraph.objects.filter(name=name).exists() and not options["replace"]:
            raise CommandError(f"a graph named {name!r} exists (--replace to replace it)")
        started = time.perf_counter()
        size = max(1, path.stat().st_size)

        def progress(lines: int) -> None:
            if sys.stderr.isatty() or options["verbosity"] > 1:
                seconds = time.perf_counter() - started
                self.stderr.write(f"\r  {lines:,} lines read ({seconds:.1f} s)", ending="")

        try:
            graph = read_edges(path, reverse=options["reverse"], progress=progress)
        except ValidationError as error:
            raise CommandError(f"{path}: {error.message}; nothing was imported") from error
        target = Path(settings.REACH_DIR) / f"{name}.csr"
        # The file is written whole before the row says it exists; a failure leaves neither.
        graph.save(target)
        with transaction.atomic():
            ReachGraph.objects.update_or_create(
                name=name,
                defaults={
                    "path": str(target),
                    "nodes": graph.n,
                    "edges": graph.m,
                    "source": str(path)[:500],
                },
            )
        self.stdout.write(
            f"imported {name!r}: {graph.n:,} nodes, {graph.m:,} edges "
            f"({size / 1e6:.1f} MB read in {time.perf_counter() - started:.1f} s)"
        )
