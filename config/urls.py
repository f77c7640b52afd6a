from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common import views as common_views
from inventory import views_passport
from organisations import views as organisation_views
from organisations.forms import PasswordResetByEmailForm

# Under /api/, a path no route matches answers the API's error shape, not the 404 page.
handler400 = "common.api.bad_request"
handler404 = "common.api.page_not_found"

# No route serves MEDIA_ROOT, not even with DEBUG on: documents, imported files, import reports
# and erasure evidence are read only through the views that check who may read them.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # "Forgotten password": the same answer whether the address is known or not.
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetByEmailForm),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start script as a file: the CSP allows no inline one.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("inventory/", include("inventory.urls")),
    path("reuse/", include("reuse.urls")),
    path("documents/", include("documents.urls")),
    path("procurement/", include("procurement.urls")),
    path("impact/", include("impact.urls")),
    # What a device label's QR code opens: public, short enough for a small QR code.
    path("d/<str:code>/", views_passport.device_passport, name="device-passport"),
    # Browsers and feed readers ask for /favicon.ico whatever the pages link to.
    path("favicon.ico", organisation_views.favicon, name="favicon"),
    # For load balancers and monitors: the database, Redis and the worker's heartbeat.
    path("health/", common_views.health, name="health"),
    path("", include("organisations.urls")),
]
