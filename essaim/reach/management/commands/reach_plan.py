"""python manage.py reach_plan: estimate chosen relays' reach, or find the best k."""

from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from essaim.campaigns.models import Campaign
from essaim.core.errors import ValidationError
from essaim.reach import estimate, imm, opim, planning, probabilities
from essaim.reach.graph import Graph
from essaim.reach.models import ReachGraph


class Command(BaseCommand):
    help = "Estimate the reach of chosen relays, or find the k relays with the largest reach."

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--graph", help="an imported graph's name (default: the platform's)")
        source.add_argument("--campaign", help="a campaign's address: calibrate on its relays")
        parser.add_argument("-k", type=int, default=10)
        parser.add_argument("--model", choices=["ic", "lt"], default="ic")
        parser.add_argument("--epsilon", type=float, default=0.1)
        parser.add_argument(
            "--algorithm",
            choices=["opim-c", "imm"],
            default="opim-c",
            help="OPIM-C (certified ratio, stops early) or IMM (for comparison)",
        )
        parser.add_argument(
            "--delta", type=float, default=0.01, help="OPIM-C: the ratio holds with 1 - δ"
        )
        parser.add_argument(
            "--probabilities",
            choices=["weighted_cascade", "constant", "trivalency"],
            default="weighted_cascade",
        )
        parser.add_argument("-p", type=float, default=0.01, help="for --probabilities constant")
        parser.add_argument("--relays", help="estimate these node ids (comma-separated)")
        parser.add_argument("--candidates", help="choose among these node ids (comma-separated)")
        parser.add_argument(
            "--width",
            type=float,
            default=0.01,
            help="simulate until the 95 %% interval is within ± this share of the mean",
        )
        parser.add_argument("--max-runs", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=0)

    def _graph(self, options: dict[str, Any]) -> tuple[Graph, Any]:
        if options["graph"]:
            row = ReachGraph.objects.filter(name=options["graph"]).first()
            if row is None:
                raise CommandError(f"no graph named {options['graph']!r} (see reach_import)")
            graph = Graph.load(Path(row.path))
            return graph, probabilities.scheme(
                graph, options["probabilities"], p=options["p"], seed=options["seed"]
            )
        graph = planning.platform_graph()
        if options["campaign"]:
            campaign = Campaign.objects.filter(slug=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"no campaign at {options['campaign']!r}")
            return graph, planning.probabilities_for(campaign, graph)[0]
        return graph, probabilities.scheme(
            graph, options["probabilities"], p=options["p"], seed=options["seed"]
        )

    @staticmethod
    def _ids(text: str | None) -> list[int]:
        try:
            return [int(part) for part in (text or "").split(",") if part.strip()]
        except ValueError as error:
            raise CommandError("node ids are whole numbers, comma-separated") from error

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            graph, prob = self._graph(options)
            self.stdout.write(f"graph: {graph.n:,} nodes, {graph.m:,} edges")
            relays = self._ids(options["relays"])
            if relays:
                seeds = graph.nodes_of(relays)
            else:
                candidates = self._ids(options["candidates"])
                chosen = graph.nodes_of(candidates) if candidates else None
                if options["algorithm"] == "imm":
                    plan = imm.imm(
                        graph,
                        prob,
                        options["k"],
                        model=options["model"],
                        epsilon=options["epsilon"],
                        seed=options["seed"],
                        candidates=chosen,
                    )
                else:
                    plan = opim.opim_c(
                        graph,
                        prob,
                        options["k"],
                        model=options["model"],
                        epsilon=options["epsilon"],
                        delta=options["delta"],
                        seed=options["seed"],
                        candidates=chosen,
                    )
                seeds = plan.nodes
                self.stdout.write(
                    f"{plan.algorithm.upper()}: {len(seeds)} relays in {plan.seconds:.2f} s, "
                    f"{plan.rr_sets:,} RR sets; estimated reach {plan.reach:,.1f} "
                    f"(95 % interval {plan.low:,.1f} – {plan.high:,.1f})"
                )
                if plan.certified is not None:
                    self.stdout.write(
                        f"certified: at least {plan.certified:.3f} of the best possible, "
                        f"with probability {plan.confidence:.3g}"
                    )
                for rank, (node, gain) in enumerate(zip(seeds, plan.gains, strict=True), 1):
                    self.stdout.write(f"  {rank:>3}. {int(graph.ids[node])}  +{gain:,.1f}")
            found = estimate.reach_within(
                graph,
                prob,
                np.asarray(seeds),
                model=options["model"],
                width=options["width"],
                max_runs=options["max_runs"],
            )
        except ValidationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"expected reach: {found.mean:,.1f} (95 % interval {found.low:,.1f} – "
            f"{found.high:,.1f}, {found.runs} simulations)"
        )
