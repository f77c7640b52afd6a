"""Check every issued document's file against the SHA-256 recorded when it was issued."""

from django.core.management.base import BaseCommand, CommandError

from documents.selectors import issued_documents_integrity


class Command(BaseCommand):
    help = (
        "Read every issued document's file from the storage and compare its SHA-256 and size "
        "with those recorded when it was issued; exit 1 if any is missing or altered. Run after "
        "a restore (scripts/restore does) or to audit the storage."
    )

    def handle(self, *args, **options):
        checked = 0
        failures: list[str] = []
        for number, state in issued_documents_integrity():
            checked += 1
            if state != "intact":
                failures.append(f"{number}: {state}")
                self.stderr.write(f"{number}: {state}")
        if failures:
            raise CommandError(
                f"{len(failures)} of {checked} issued documents are not intact "
                "(their file is missing or its SHA-256 differs from the one recorded)."
            )
        self.stdout.write(f"{checked} issued documents checked: every SHA-256 is intact.")
