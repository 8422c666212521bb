"""Gunicorn for Essaim: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

Every value can be set from the environment (GUNICORN_* below, or gunicorn's own
GUNICORN_CMD_ARGS)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Django's views are synchronous and mostly wait on PostgreSQL: a few processes per core.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A worker stuck longer than this is killed and replaced; a request in flight is lost, which
# the one-click actions tolerate (their writes are idempotent, clients retry).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so that no slow leak grows for ever — rarely: a recycled worker
# warms up again (its first requests are slow, one in flight may be dropped), and at a viral
# spike's rate 20,000 requests would come round every half minute (the load benchmark showed
# tail latencies of 0.8 s from it). A million is hours at that rate.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000000"))
max_requests_jitter = max_requests // 10
# The application, with every URL pattern and view (config/wsgi.py), is imported once by the
# master before the workers fork: a recycled or replaced worker serves within milliseconds
# instead of importing Django and every app again (about a second during which its
# connections wait), and the workers share that memory. Nothing opens a connection or a
# thread at import time; each worker opens its own on first use. New code therefore needs a
# restart of the master (`kill -HUP` reloads workers from the code already imported).
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in {"1", "true", "yes", "on"}
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
