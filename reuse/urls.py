from django.urls import path

from reuse import views, views_erasure, views_pickup, views_recycling, views_refurbishment

app_name = "reuse"

urlpatterns = [
    path("grades/", views_refurbishment.grades, name="grades"),
    path(
        "devices/<str:code>/refurbishment/",
        views_refurbishment.device_refurbishment,
        name="device-refurbishment",
    ),
    path(
        "devices/<str:code>/diagnosis/",
        views_refurbishment.device_diagnosis,
        name="device-diagnosis",
    ),
    path("devices/<str:code>/repair/", views_refurbishment.device_repair, name="device-repair"),
    path("devices/<str:code>/grade/", views_refurbishment.device_grade, name="device-grade"),
    path("devices/<str:code>/ready/", views_refurbishment.device_ready, name="device-ready"),
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/selection/", views.claim_selection, name="claim-selection"),
    path("claims/declaration/", views.claim_declaration, name="claim-declaration"),
    path("claims/site/", views.claim_site, name="claim-site"),
    path("devices/<str:code>/claim/", views.device_claim, name="device-claim"),
    path("devices/<str:code>/release/", views.device_release, name="device-release"),
    path("devices/<str:code>/collect/", views.device_collect, name="device-collect"),
    path("devices/<str:code>/erasure/", views_erasure.device_erasure, name="device-erasure"),
    path(
        "erasure/certificate/",
        views_erasure.erasure_batch_certificate,
        name="erasure-batch-certificate",
    ),
    path("devices/<str:code>/recycle/", views_recycling.device_recycle, name="device-recycle"),
    path("recycling/", views_recycling.waste_record_list, name="waste-record-list"),
    path("recycling/new/", views_recycling.waste_record_new, name="waste-record-new"),
    path("recycling/<int:pk>/", views_recycling.waste_record_detail, name="waste-record-detail"),
    path(
        "recycling/register.csv",
        views_recycling.waste_register_export,
        name="waste-register-export",
    ),
    path(
        "recycling/register.pdf",
        views_recycling.waste_register_document,
        name="waste-register-document",
    ),
    path("pickups/", views_pickup.pickup_list, name="pickup-list"),
    path("pickups/new/", views_pickup.pickup_new, name="pickup-new"),
    path("pickups/<int:pk>/", views_pickup.pickup_detail, name="pickup-detail"),
    path("pickups/<int:pk>/confirm/", views_pickup.pickup_confirm, name="pickup-confirm"),
    path(
        "pickups/<int:pk>/counter-propose/",
        views_pickup.pickup_counter_propose,
        name="pickup-counter-propose",
    ),
    path("pickups/<int:pk>/cancel/", views_pickup.pickup_cancel, name="pickup-cancel"),
    path("collections/", views.collection_list, name="collection-list"),
    path("collections/new/", views.collection_new, name="collection-new"),
    path("collections/<int:pk>/", views.collection_detail, name="collection-detail"),
]
