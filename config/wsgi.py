import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
# Import every URL pattern and view now: with gunicorn's preload_app this happens once in the
# master, not on each worker's first request (half a second of a fresh worker's first visit).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
