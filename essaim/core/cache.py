"""A Redis cache that fails soft: when Redis is down or slow, reads miss and writes are
dropped (logged), so pages still render from the database instead of erring. Counters used
for write limits still raise, and their callers decide (they let requests through)."""

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class FailSoftRedisCache(RedisCache):
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
