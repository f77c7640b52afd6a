"""The application's URLs, and the load benchmark's bare views under ``/__bench__/``."""

from django.urls import include, path

from bench import load_baselines
from config.urls import handler400, handler404
from config.urls import urlpatterns as application_urlpatterns

urlpatterns = [
    path("__bench__/", include(load_baselines.urlpatterns)),
    *application_urlpatterns,
]

__all__ = ["handler400", "handler404", "urlpatterns"]
