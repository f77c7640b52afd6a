"""Boucle's own settings, served with the load benchmark's bare baseline views.

``bench/load.py`` starts gunicorn with ``DJANGO_SETTINGS_MODULE=bench.load_settings``: every
setting is the application's, read from the same environment; only the URL configuration
adds the baselines (``bench/load_urls.py``).
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
