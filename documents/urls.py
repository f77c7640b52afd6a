from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="document-list"),
    path("<str:number>/state/", views.document_state, name="document-state"),
    path("<str:number>/download/", views.document_download, name="document-download"),
]
