"""The demo and development instance: embedded SQLite, console e-mail, tasks run inline."""

from .base import *  # noqa: F403

DEBUG = True
