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
    path("devices/<str:code>/collect/", views.device_collect, name="device-collect"),
    path("collections/", views.collection_list, name="collection-list"),
    path("collections/new/", views.collection_new, name="collection-new"),
    path("collections/<int:pk>/", views.collection_detail, name="collection-detail"),
]
