"""Sessions opened through Django's ModelBackend carry on through MembershipModelBackend.

A session names the backend that signed its user in, and Django signs out a session whose
backend is no longer configured. The pages' backend became
``organisations.backends.MembershipModelBackend`` (Django's ModelBackend reading the user
with their memberships): the sessions still open are rewritten to name it, so that nobody is
signed out by the upgrade. Going back names Django's again.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import migrations
from django.utils import timezone

DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"
MEMBERSHIP_BACKEND = "organisations.backends.MembershipModelBackend"


def rename_backend(apps, old: str, new: str) -> int:
    """Every open session signed in through ``old`` names ``new``; how many were rewritten."""
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    session_model = apps.get_model("sessions", "Session")
    rewritten = 0
    for session in session_model.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) != old:
            continue
        data[BACKEND_SESSION_KEY] = new
        session.session_data = store.encode(data)
        session.save(update_fields=["session_data"])
        rewritten += 1
    return rewritten


def forwards(apps, schema_editor):
    rename_backend(apps, DJANGO_BACKEND, MEMBERSHIP_BACKEND)


def backwards(apps, schema_editor):
    rename_backend(apps, MEMBERSHIP_BACKEND, DJANGO_BACKEND)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_site_close_audit_entry"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
