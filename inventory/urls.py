from django.urls import path

from inventory import views, views_imports, views_passport

app_name = "inventory"

urlpatterns = [
    path("", views.device_list, name="device-list"),
    path("declare/", views.declare, name="declare"),
    path("export.csv", views_imports.device_export_csv, name="export-csv"),
    path("export.xlsx", views_imports.device_export_xlsx, name="export-xlsx"),
    # Before the device routes: "imports" would otherwise be read as a device code.
    path("labels/", views_passport.label_sheet_print, name="label-sheet-print"),
    path("imports/", views_imports.import_list, name="import-list"),
    path("imports/new/", views_imports.import_new, name="import-new"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/cancel/", views_imports.import_cancel, name="import-cancel"),
    path("imports/<int:pk>/import/", views_imports.import_from_dry_run, name="import-confirm"),
    path("imports/<int:pk>/report.csv", views_imports.import_report, name="import-report"),
    path("<str:code>/", views.device_detail, name="device-detail"),
    path("<str:code>/edit/", views.device_edit, name="device-edit"),
    path("<str:code>/withdraw/", views.device_withdraw, name="device-withdraw"),
]
