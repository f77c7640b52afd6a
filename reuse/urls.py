from django.urls import path

from reuse import views

app_name = "reuse"

urlpatterns = [
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/selection/", views.claim_selection, name="claim-selection"),
    path("claims/declaration/", views.claim_declaration, name="claim-declaration"),
    path("claims/site/", views.claim_site, name="claim-site"),
    path("devices/<str:code>/claim/", views.device_claim, name="device-claim"),
    path("devices/<str:code>/release/", views.device_release, name="device-release"),
]
