from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.device_list, name="device-list"),
    path("declare/", views.declare, name="declare"),
    path("<str:code>/", views.device_detail, name="device-detail"),
    path("<str:code>/edit/", views.device_edit, name="device-edit"),
    path("<str:code>/withdraw/", views.device_withdraw, name="device-withdraw"),
]
