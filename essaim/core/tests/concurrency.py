"""Running calls at the same instant, each thread on its own database connection."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

# PostgreSQL's default max_connections is 100; the test database and pytest hold some.
MAX_THREADS = 40


def run_together(*calls: Callable[[], Any], threads: int = MAX_THREADS) -> list[Any]:
    """Run every call as concurrently as the connection budget allows: up to `threads`
    threads start at one barrier, each then works through its share of the calls.

    Returns the results in call order; re-raises the first failure in the calling thread.
    """
    count = min(len(calls), threads)
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * len(calls)
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            barrier.wait()
            for index in range(offset, len(calls), count):
                results[index] = calls[index]()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test thread
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(offset,)) for offset in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
    return results
