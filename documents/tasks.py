"""Background work of the documents. Tasks take ids and call one service."""

from celery import shared_task

from documents.models import Document
from documents.services import document_render


@shared_task(acks_late=True, ignore_result=True)
def render_document(document_pk: int) -> None:
    """Produce a requested document's PDF; a redelivered task finds it issued and stops."""
    document = Document.objects.get(pk=document_pk)
    document_render(document=document)
