"""An open-loop load: requests leave on a fixed schedule whatever the answers, and each
latency counts from the moment its request was due. wrk waits for an answer before sending
the next request on a connection, so a slow server slows its own load down and its
percentiles hide the queue ("coordinated omission"); this measures the latency a crowd
arriving at a given rate actually meets.

`each_once` is the closed loop for a fixed crowd: every request sent exactly once, a few at a
time (what wrk, which runs for a duration and cycles through its requests, cannot promise),
its answers kept when asked (a visitor's cookie, a page's form)."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Answer:
    index: int
    status: int  # 0: no answer (refused, reset, timed out)
    latency: float  # seconds from the moment the request was due
    response: bytes = b""  # the whole answer, head and body, when asked to keep it


async def _send(
    host: str, port: int, request: bytes, index: int, due: float, *, keep: bool = False
) -> Answer:
    response = b""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(request)
                await writer.drain()
                status_line = await reader.readline()
                rest = await reader.read()  # the whole answer: the server closes after it
            finally:
                writer.close()
        status = int(status_line.split()[1])
        if keep:
            response = status_line + rest
    except (OSError, TimeoutError, IndexError, ValueError):
        status = 0
    return Answer(index=index, status=status, latency=time.perf_counter() - due, response=response)


async def _run(
    host: str, port: int, rate: float, count: int, build: Callable[[int], bytes]
) -> list[Answer]:
    start = time.perf_counter() + 0.1
    tasks = []
    for index in range(count):
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(_send(host, port, build(index), index, due)))
    return list(await asyncio.gather(*tasks))


def paced(
    host: str, port: int, *, rate: float, seconds: float, build: Callable[[int], bytes]
) -> list[Answer]:
    """Send `rate` requests a second for `seconds`; `build(i)` is the i-th request's bytes."""
    return asyncio.run(_run(host, port, rate, int(rate * seconds), build))


async def _each_once(
    host: str, port: int, connections: int, count: int, build: Callable[[int], bytes], keep: bool
) -> list[Answer]:
    indexes = iter(range(count))
    answers: list[Answer] = []

    async def client() -> None:
        for index in indexes:  # shared: each index taken by one client
            answers.append(
                await _send(host, port, build(index), index, time.perf_counter(), keep=keep)
            )

    await asyncio.gather(*(client() for _ in range(connections)))
    return sorted(answers, key=lambda answer: answer.index)


def each_once(
    host: str,
    port: int,
    *,
    connections: int,
    count: int,
    build: Callable[[int], bytes],
    keep: bool = False,
) -> tuple[list[Answer], float]:
    """Send `build(i)` for every i below `count`, `connections` at a time, each as soon as
    one is answered (closed loop: each latency counts from its sending); the answers, in
    order, and the seconds it took. `keep`: keep each whole answer."""
    started = time.perf_counter()
    answers = asyncio.run(_each_once(host, port, connections, count, build, keep))
    return answers, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
