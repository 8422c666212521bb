"""The reach planner's speed and memory: OPIM-C and IMM side by side at ε = 0.5, 0.1 and 0.01
on synthetic social graphs (about 2,000 nodes; 15,000 nodes and 60,000 edges; 1,000,000 nodes
and 10,000,000 edges), k = 50, Independent Cascade with weighted-cascade probabilities; the
spread of every chosen set measured by one common Monte Carlo evaluator (the same cascades for
all); the import of the large graph's edge list as text; and, on the small graph, the Monte
Carlo greedy (CELF) baseline with the speed and spread ratios.

    .venv/bin/python bench/reach.py                  # all three synthetic graphs
    .venv/bin/python bench/reach.py --skip-large     # without the 10M-edge graph
    .venv/bin/python bench/reach.py --snap wiki-Vote.txt.gz

Each selection runs in a fresh process that maps the saved graph, computes the probabilities
and runs the algorithm: its peak memory is the whole process's (Python, Numba, the graph pages
it touched, the RR sets), its time the algorithm's alone.
"""

import argparse
import math
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

EPSILONS = (0.5, 0.1, 0.01)
# OPIM-C asked for this certified ratio (at ε = 0.01): the paper's stop rule covers the worst
# case, and its relays reach 1-1.6 % less than IMM ε = 0.1's; more sets close the gap.
STRONGER = 0.8
# IMM draws about 1/ε² sets: at ε = 0.01, 100 times what ε = 0.1 draws (tens of millions on
# the large graph, more memory than the machine has); it is projected, not run, above this.
IMM_MAX_SETS = 5_000_000


def peak_mb() -> float:
    """This process's peak resident memory. /proc's VmHWM, where there is one: getrusage's
    ru_maxrss survives exec, so a fresh process would report its parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _select(
    conn: Any,
    path: str,
    warm: str,
    algorithm: str,
    k: int,
    epsilon: float,
    seed: int,
    ratio: float | None = None,
) -> None:
    from essaim.reach import imm, opim, probabilities
    from essaim.reach.graph import Graph

    # Numba loads its compiled code from its cache at the first call: not timed, on a tiny
    # graph mapped the same way (the same array types).
    tiny = Graph.load(Path(warm))
    run = imm.imm if algorithm == "imm" else opim.opim_c
    run(tiny, probabilities.weighted_cascade(tiny), 2, epsilon=0.5, seed=seed)
    graph = Graph.load(Path(path))
    prob = probabilities.weighted_cascade(graph)
    started = time.perf_counter()
    plan = (
        imm.imm(graph, prob, k, epsilon=epsilon, seed=seed)
        if algorithm == "imm"
        else opim.opim_c(graph, prob, k, epsilon=epsilon, seed=seed, ratio=ratio)
    )
    seconds = time.perf_counter() - started
    conn.send((seconds, peak_mb(), plan.nodes, plan.rr_sets, plan.reach, plan.certified))
    conn.close()


def _import(conn: Any, text: str, target: str) -> None:
    from essaim.reach.importer import read_edges

    started = time.perf_counter()
    graph = read_edges(Path(text))
    graph.save(Path(target))
    conn.send((time.perf_counter() - started, peak_mb(), graph.n, graph.m))
    conn.close()


def _warm(conn: Any, path: str) -> None:
    """Compile (or load from Numba's cache) every kernel once, outside any timing."""
    import numpy as np

    from essaim.reach import estimate, imm, opim, probabilities
    from essaim.reach.graph import Graph
    from essaim.reach.synthetic import social_graph

    social_graph(200, 800, seed=1).save(Path(path))
    warm = Graph.load(Path(path))
    prob = probabilities.weighted_cascade(warm)
    for model in ("ic", "lt"):
        imm.imm(warm, prob, 2, model=model, epsilon=0.5)
        opim.opim_c(warm, prob, 2, model=model, epsilon=0.5)
        estimate.expected_reach(warm, prob, np.array([0]), model=model, runs=10)
    conn.send(True)
    conn.close()


def fresh(target: Any, *args: Any) -> Any:
    """Run target(conn, *args) in a freshly started process; return what it sent."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(send, *args))
    process.start()
    result = receive.recv()
    process.join()
    return result


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


def write_edge_list(graph: Any, path: Path) -> None:
    """The graph as SNAP text, "followed<TAB>follower" per line."""
    src = graph.ids[graph.sources()].tolist()
    dst = graph.ids[graph.indices].tolist()
    with open(path, "w") as out:
        out.write("# FromNodeId\tToNodeId\n")
        step = 1_000_000
        for start in range(0, len(src), step):
            pairs = zip(src[start : start + step], dst[start : start + step], strict=True)
            out.write("\n".join(f"{a}\t{b}" for a, b in pairs))
            out.write("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snap", action="append", default=[], help="an edge list to add")
    parser.add_argument("--skip-large", action="store_true", help="leave out the 10M-edge graph")
    parser.add_argument("--small", type=int, default=2000, help="nodes of the small graph")
    parser.add_argument("-k", type=int, default=50)
    parser.add_argument("--runs", type=int, default=300, help="cascades of the common evaluator")
    parser.add_argument("--celf-runs", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (tests)")
    parser.add_argument(
        "--workdir", type=Path, help="keep the generated graphs here and reuse them next time"
    )
    args = parser.parse_args()

    import numpy as np

    from essaim.reach import estimate, probabilities
    from essaim.reach.celf import celf
    from essaim.reach.graph import Graph
    from essaim.reach.importer import read_edges
    from essaim.reach.synthetic import social_graph

    sizes = [("small", args.small, 4 * args.small), ("medium", 15_000, 60_000)]
    if not args.skip_large:
        sizes.append(("large", 1_000_000, 10_000_000))
    k = args.k
    if args.quick:
        sizes, k = [("small", 300, 1200)], 5
    print(f"machine: {os.cpu_count()} cores; numba threads: {estimate.threads()}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="essaim-reach-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    graphs: list[tuple[str, Path]] = []
    for name, n, m in sizes:
        started = time.perf_counter()
        path = workdir / f"{name}-{n}-{m}.csr"
        if path.exists():
            graph = Graph.load(path)
            print(f"reused {name}: {graph.n:,} nodes, {graph.m:,} edges")
        else:
            graph = social_graph(n, m, seed=42)
            graph.save(path)
            took = time.perf_counter() - started
            print(f"generated {name}: {graph.n:,} nodes, {graph.m:,} edges in {took:.1f} s")
        graphs.append((name, path))
        if name == "large" or args.quick:
            text = workdir / f"{name}.txt"
            write_edge_list(graph, text)
            del graph
            seconds, peak, nodes, edges = fresh(_import, str(text), str(workdir / "imported.csr"))
            mb = text.stat().st_size / 1e6
            print(
                f"  reach_import of its edge list ({mb:,.0f} MB of text): {seconds:.2f} s, "
                f"peak {peak:,.0f} MB ({nodes:,} nodes, {edges:,} edges)"
            )
            text.unlink()
        else:
            del graph
    for snap in args.snap:
        started = time.perf_counter()
        graph = read_edges(Path(snap))
        path = workdir / f"{Path(snap).name}.csr"
        graph.save(path)
        took = time.perf_counter() - started
        print(f"read {snap}: {graph.n:,} nodes, {graph.m:,} edges in {took:.1f} s")
        graphs.append((Path(snap).name, path))
    warm = workdir / "warm.csr"
    fresh(_warm, str(warm))

    small_plans: dict[str, Any] = {}
    print(
        f"\nk = {k}, IC, weighted cascade (1 / in-degree); spread: the same {args.runs} "
        "cascades for every set; each run in a fresh process"
    )
    widths = [10, 9, 6, 9, 9, 12, 12, 11, 10]
    heading = ["graph", "algo", "eps", "seconds", "peak MB", "RR sets", "spread", "± 95 %"]
    print(row([*heading, "certified"], widths))
    for name, path in graphs:
        started = time.perf_counter()
        graph = Graph.load(path)
        print(f"{name}: loaded by memory map in {time.perf_counter() - started:.3f} s")
        prob = probabilities.weighted_cascade(graph)
        results: dict[tuple[str, float], tuple[float, float, float]] = {}
        imm_sets: dict[float, int] = {}
        runs: list[tuple[float, str, float | None]] = [
            (e, a, None) for e in EPSILONS for a in ("opim-c", "imm")
        ]
        runs.append((EPSILONS[-1], "opim-c", STRONGER))
        for epsilon, algorithm, ratio in runs:
            label = f"opim≥{ratio}" if ratio else algorithm
            if algorithm == "imm" and epsilon < 0.1 and 0.1 in imm_sets:
                projected = int(imm_sets[0.1] * (0.1 / epsilon) ** 2)
                if projected > IMM_MAX_SETS:
                    cells = [name, label, epsilon, "not run", "", f"~{projected:,}", ""]
                    print(row([*cells, "", ""], widths))
                    continue
            seconds, peak, nodes, sets, _reach, certified = fresh(
                _select, str(path), str(warm), algorithm, k, epsilon, 7, ratio
            )
            if algorithm == "imm":
                imm_sets[epsilon] = sets
            check = estimate.expected_reach(graph, prob, nodes, runs=args.runs, seed=99)
            results[(label, epsilon)] = (seconds, peak, check.mean)
            if name == "small" and label == "opim-c" and epsilon == 0.1:
                small_plans["opim-c"] = (seconds, nodes)
            shown = f"{certified:.3f}" if certified is not None else ""
            cells = [name, label, epsilon, seconds, round(peak), sets, check.mean]
            print(row([*cells, check.half_width, shown], widths))
        reference = results.get(("imm", 0.1))
        if reference:
            print(f"  against IMM ε = 0.1 ({reference[0]:.2f} s, spread {reference[2]:,.0f}):")
            for (algorithm, epsilon), (seconds, peak, spread) in results.items():
                print(
                    f"    {algorithm:9} ε = {epsilon:<5} time ×{seconds / reference[0]:.3f}"
                    f"  memory ×{peak / reference[1]:.2f}  spread ×{spread / reference[2]:.4f}"
                )
        del graph, prob

    name, path = graphs[0]
    graph = Graph.load(path)
    prob = probabilities.weighted_cascade(graph)
    kmax = k
    print(
        f"\nbaseline on {name} ({graph.n:,} nodes): CELF greedy, "
        f"{args.celf_runs} simulations per estimate, k = {kmax}, IC"
    )
    started = time.perf_counter()
    greedy = celf(graph, prob, kmax, model="ic", runs=args.celf_runs, seed=5)
    total = time.perf_counter() - started
    opim_seconds, opim_nodes = small_plans["opim-c"]
    celf_reach = estimate.expected_reach(
        graph, prob, np.array(greedy.nodes), model="ic", runs=10_000, seed=99
    ).mean
    opim_reach = estimate.expected_reach(graph, prob, opim_nodes, runs=10_000, seed=99).mean
    widths = [4, 10, 18, 13, 12, 12, 14]
    heading = ["k", "CELF s", "OPIM-C s (ε 0.1)", "speed ratio", "CELF reach", "OPIM reach"]
    print(row([*heading, "spread ratio"], widths))
    speed = f"{total / opim_seconds:,.0f}x" if opim_seconds > 0 else "n/a"
    cells = [kmax, total, round(opim_seconds, 3), speed, celf_reach, opim_reach]
    print(row([*cells, round(opim_reach / celf_reach, 3)], widths))
    print(f"  ({greedy.estimates:,} spread estimates; {math.ceil(total)} s in all)")


if __name__ == "__main__":
    main()
