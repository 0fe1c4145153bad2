"""Per-provider send rates: a burst of due rows must not trip the provider's own limit (Twilio's 429s).

NOTIFICATIONS_RATE_LIMITS caps the messages a second per channel across every worker:
the count of the current second lives in Redis (the broker), so N workers on M hosts
share one budget. Without Redis (the embedded broker) each process keeps its own count.
A worker over the budget waits for the next second before it takes the row, so the row
is still CLAIMED, not SENDING, while it waits.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.signals import setting_changed

logger = logging.getLogger(__name__)


class RateLimiter:
    def __init__(
        self,
        limits: dict[str, int],
        *,
        redis_url: str = "",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = {channel: limit for channel, limit in limits.items() if limit > 0}
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=1) if redis_url and self.limits else None
        self._clock, self._sleep = clock, sleep
        self._local: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> float:
        """Block until `channel` may send one more message this second; the seconds waited."""
        limit = self.limits.get(channel)
        waited = 0.0
        while limit:
            now = self._clock()
            second = int(now)
            if self._count(channel, second) <= limit:
                return waited
            pause = second + 1 - now
            self._sleep(pause)
            waited += pause
        return waited

    def _count(self, channel: str, second: int) -> int:
        if self._redis is not None:
            key = f"notifications:rate:{channel}:{second}"
            try:
                pipe = self._redis.pipeline()
                pipe.incr(key)
                pipe.expire(key, 5)
                return int(pipe.execute()[0])
            except redis.RedisError:
                # Redis is away: keep sending under this process's own count rather than stop.
                logger.warning("rate limit store unreachable; counting in this process", exc_info=True)
        with self._lock:
            self._local = {key: n for key, n in self._local.items() if key[1] >= second}
            self._local[(channel, second)] = self._local.get((channel, second), 0) + 1
            return self._local[(channel, second)]


_limiter: list[RateLimiter] = []


def rate_limiter() -> RateLimiter:
    """The process's limiter, made from settings when first needed."""
    if not _limiter:
        broker = settings.CELERY_BROKER_URL
        default_url = broker if broker.startswith(("redis://", "rediss://")) else ""
        url = settings.NOTIFICATIONS_RATE_LIMIT_REDIS_URL or default_url
        _limiter.append(RateLimiter(settings.NOTIFICATIONS_RATE_LIMITS, redis_url=url))
    return _limiter[0]


def _forget(**kwargs: Any) -> None:
    _limiter.clear()


setting_changed.connect(_forget)
