"""The REST API, version 1: every app's API routes under /api/v1/."""

from django.urls import include, path

from organisations.api.views import AuthTokenView

urlpatterns = [
    path("auth/token/", AuthTokenView.as_view(), name="api-token"),
    path("", include("organisations.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("reuse.api.urls")),
    path("", include("procurement.api.urls")),
    path("", include("documents.api.urls")),
    path("", include("impact.api.urls")),
]
