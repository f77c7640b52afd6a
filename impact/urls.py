from django.urls import path

from impact import views

app_name = "impact"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisations/<slug:slug>/", views.organisation_dashboard, name="organisation"),
    path("organisations/<slug:slug>/report/", views.report_request, name="report"),
    path("factors/", views.factors, name="factors"),
    path("spend/", views.spend, name="spend"),
    path("agec/declaration.csv", views.agec_declaration, name="agec-declaration"),
]
