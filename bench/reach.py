"""The reach planner's speed and memory: IMM on synthetic social graphs (about 2,000 nodes,
15,000 nodes and 60,000 edges, 1,000,000 nodes and 10,000,000 edges) and on any SNAP edge list
given, for k = 1, 10, 50 at ε = 0.5 and 0.1 under both models; each chosen set's spread
measured by an independent Monte Carlo run; and, in the same run, a Monte Carlo greedy (CELF,
1,000 simulations per estimate) baseline on the small graph, with the speed and spread ratios.

    .venv/bin/python bench/reach.py                  # all three synthetic graphs
    .venv/bin/python bench/reach.py --skip-large     # without the 10M-edge graph
    .venv/bin/python bench/reach.py --snap wiki-Vote.txt.gz

Each IMM run happens in a child process (forked after the graph is loaded), so its peak
memory is its own: the graph it works on plus what IMM allocates.
"""

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(conn: Any, work: Any) -> None:
    started = time.perf_counter()
    result = work()
    conn.send((time.perf_counter() - started, peak_mb(), result))
    conn.close()


def isolated(work: Any) -> tuple[float, float, Any]:
    """Run `work` in a forked child: (seconds, peak MB, result)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, work))
    process.start()
    seconds, peak, result = receive.recv()
    process.join()
    return seconds, peak, result


def row(cells: list[Any], widths: list[int]) -> str:
    """One line of a table: text left-aligned in the first column, the rest right-aligned."""
    out = []
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        text = (
            f"{cell:,.2f}"
            if isinstance(cell, float)
            else (f"{cell:,}" if isinstance(cell, int) else str(cell))
        )
        out.append(text.ljust(width) if index == 0 else text.rjust(width))
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snap", action="append", default=[], help="an edge list to add")
    parser.add_argument("--skip-large", action="store_true", help="leave out the 10M-edge graph")
    parser.add_argument("--small", type=int, default=2000, help="nodes of the small graph")
    parser.add_argument("--celf-runs", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (tests)")
    args = parser.parse_args()

    import numpy as np

    from essaim.reach import estimate, imm, probabilities
    from essaim.reach.celf import celf
    from essaim.reach.graph import Graph
    from essaim.reach.importer import read_edges
    from essaim.reach.synthetic import social_graph

    sizes = [("small", args.small, 4 * args.small), ("medium", 15_000, 60_000)]
    if not args.skip_large:
        sizes.append(("large", 1_000_000, 10_000_000))
    ks: tuple[int, ...] = (1, 10, 50)
    epsilons: tuple[float, ...] = (0.5, 0.1)
    if args.quick:
        sizes, ks, epsilons = [("small", 300, 1200)], (1, 5), (0.5,)
    print(f"machine: {os.cpu_count()} cores; numba threads: {estimate.threads()}")
    workdir = Path(tempfile.mkdtemp(prefix="essaim-reach-bench-"))
    graphs: list[tuple[str, Path]] = []
    for name, n, m in sizes:
        started = time.perf_counter()
        graph = social_graph(n, m, seed=42)
        path = workdir / f"{name}.npz"
        graph.save(path)
        took = time.perf_counter() - started
        print(f"generated {name}: {graph.n:,} nodes, {graph.m:,} edges in {took:.1f} s")
        graphs.append((name, path))
    for snap in args.snap:
        started = time.perf_counter()
        graph = read_edges(Path(snap))
        path = workdir / f"{Path(snap).name}.npz"
        graph.save(path)
        took = time.perf_counter() - started
        print(f"read {snap}: {graph.n:,} nodes, {graph.m:,} edges in {took:.1f} s")
        graphs.append((Path(snap).name, path))

    # Compile once before anything is timed (Numba caches the machine code on disk too).
    warm = social_graph(200, 800, seed=1)
    for model in ("ic", "lt"):
        imm.imm(warm, probabilities.weighted_cascade(warm), 2, model=model, epsilon=0.5)
        estimate.expected_reach(
            warm, probabilities.weighted_cascade(warm), np.array([0]), model=model, runs=10
        )

    small_plans: dict[tuple[str, int, float], Any] = {}
    widths = [14, 6, 6, 5, 10, 10, 12, 12, 12, 10]
    print("\nIMM, weighted cascade probabilities (1 / in-degree); reach checked by Monte Carlo")
    heading = ["graph", "model", "eps", "k", "seconds", "peak MB", "RR sets", "IMM reach"]
    print(row([*heading, "MC reach", "± 95 %"], widths))
    for name, path in graphs:
        seconds, peak, shape = isolated(lambda p=path: (lambda g: (g.n, g.m))(Graph.load(p)))
        print(row([name, "load", "", "", seconds, round(peak), "", "", "", ""], widths))
        print(f"{'':14}({shape[0]:,} nodes, {shape[1]:,} edges)")
        graph = Graph.load(path)
        prob = probabilities.weighted_cascade(graph)
        runs = 1000 if graph.n <= 100_000 else 100
        for model in ("ic", "lt"):
            for eps in epsilons:
                for k in ks:
                    seconds, peak, plan = isolated(
                        lambda g=graph, pr=prob, model=model, eps=eps, k=k: imm.imm(
                            g, pr, k, model=model, epsilon=eps, seed=7
                        )
                    )
                    check = estimate.expected_reach(
                        graph, prob, plan.nodes, model=model, runs=runs, seed=99
                    )
                    if name == "small":
                        small_plans[(model, k, eps)] = (seconds, plan)
                    cells = [name, model, eps, k, seconds, round(peak), plan.rr_sets, plan.reach]
                    print(row([*cells, check.mean, check.half_width], widths))

    name, path = graphs[0]
    graph = Graph.load(path)
    prob = probabilities.weighted_cascade(graph)
    kmax = max(ks)
    print(
        f"\nbaseline on {name} ({graph.n:,} nodes): CELF greedy, "
        f"{args.celf_runs} simulations per estimate, k = {kmax}, IC"
    )
    started = time.perf_counter()
    greedy = celf(graph, prob, kmax, model="ic", runs=args.celf_runs, seed=5)
    total = time.perf_counter() - started
    print(f"  {greedy.estimates:,} spread estimates in {total:.1f} s")
    widths = [4, 10, 17, 13, 12, 12, 14]
    heading = ["k", "CELF s", "IMM s (eps 0.5)", "speed ratio", "CELF reach", "IMM reach"]
    print(row([*heading, "spread ratio"], widths))
    for k in ks:
        imm_seconds, plan = small_plans[("ic", k, 0.5)]
        celf_seconds = greedy.seconds_at[k - 1]
        # Both sets measured by the same independent Monte Carlo run.
        celf_reach = estimate.expected_reach(
            graph, prob, np.array(greedy.nodes[:k]), model="ic", runs=10_000, seed=99
        ).mean
        imm_reach = estimate.expected_reach(
            graph, prob, plan.nodes, model="ic", runs=10_000, seed=99
        ).mean
        ratio = f"{celf_seconds / imm_seconds:,.0f}x"
        cells = [k, celf_seconds, round(imm_seconds, 3), ratio, celf_reach, imm_reach]
        print(row([*cells, round(imm_reach / celf_reach, 3)], widths))
    print(f"  (whole CELF run to k = {kmax}: {total:.1f} s)")


if __name__ == "__main__":
    main()
