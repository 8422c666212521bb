"""A Redis cache that fails soft: when Redis is down or slow, reads miss and writes are
dropped (logged), so pages still render from the database instead of erring. Counters used
for write limits still raise, and their callers decide (they let requests through)."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis-py client for every cache call, and building one costs more
    than the call itself on a hot page; a client is thread-safe and tied to its pool, so one
    per pool serves every call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool
            )
        return client


class FailSoftRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _soft(self, operation: str, default: Any, call: Any) -> Any:
        try:
            return call()
        except UNAVAILABLE:
            logger.warning("cache unavailable", extra={"operation": operation})
            return default

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._soft(
            "get", default, lambda: super(FailSoftRedisCache, self).get(key, default, version)
        )

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        # Not added: a caller using `add` as a claim (the shared page's renewal) backs off.
        return bool(
            self._soft(
                "add",
                False,
                lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version),
            )
        )

    def get_many(self, keys: Any, version: int | None = None) -> Any:
        return self._soft(
            "get_many", {}, lambda: super(FailSoftRedisCache, self).get_many(keys, version)
        )

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        self._soft(
            "set", None, lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version)
        )

    def set_many(self, data: Any, timeout: Any = None, version: int | None = None) -> Any:
        return self._soft(
            "set_many",
            list(data),
            lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(
            self._soft(
                "delete", False, lambda: super(FailSoftRedisCache, self).delete(key, version)
            )
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._soft(
            "delete_many", None, lambda: super(FailSoftRedisCache, self).delete_many(keys, version)
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(
            self._soft(
                "has_key", False, lambda: super(FailSoftRedisCache, self).has_key(key, version)
            )
        )

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        return bool(
            self._soft(
                "touch", False, lambda: super(FailSoftRedisCache, self).touch(key, timeout, version)
            )
        )

    def count_many(self, keys: list[tuple[str, int]], version: int | None = None) -> list[int]:
        """One more on each counter (created at 0, expiring after its seconds), all in one
        round trip: a write asks several limits at once. Raises when Redis is unavailable."""
        pipeline = self._cache.get_client(write=True).pipeline(transaction=False)
        for key, seconds in keys:
            name = self.make_and_validate_key(key, version=version)
            pipeline.set(name, 0, ex=seconds, nx=True)
            pipeline.incr(name)
        return [int(count) for count in pipeline.execute()[1::2]]


# How long each process keeps its own copy of a shared lookup (`read_through`).
PROCESS_SECONDS = 1


def read_through(key: str, fill: Callable[[], Any], *, seconds: int) -> Any:
    """The value at `key`: from this process's own copy (PROCESS_SECONDS), else the shared
    cache (`seconds`), else `fill()` (a None from it is not kept). What every click of a
    viral campaign reads: most reads then cost no round trip at all. `forget` drops it here
    and in the shared cache; other processes' own copies live out their second."""
    process = caches["process"]
    value = process.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = fill()
            if value is not None:
                cache.set(key, value, seconds)
        if value is not None:
            process.set(key, value, PROCESS_SECONDS)
    return value


def forget(*keys: str) -> None:
    """After a write that changes what `read_through` keeps at `keys`: drop them now, and
    again once the write commits (a reader in between may have kept the old value)."""

    def drop() -> None:
        caches["process"].delete_many(keys)
        cache.delete_many(keys)

    drop()
    transaction.on_commit(drop)
