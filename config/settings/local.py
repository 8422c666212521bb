"""The demo and development instance: embedded SQLite (set up in base), console e-mail, tasks
run inline."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = True
# Links follow the address the site is served on (`PORT=8200 make demo`, a phone on the LAN);
# e-mails sent by the worker and the scheduler use SITE_URL, on the same port by default.
SITE_URL_FROM_REQUEST = env_bool("SITE_URL_FROM_REQUEST", True)
SITE_URL = os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
