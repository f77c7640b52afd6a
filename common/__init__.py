"""The web and API plumbing every app shares: the error family, pagination, error shapes, and
the helpers that turn application errors into pages, form errors and API answers.

The lowest layer: it imports no app of Boucle's.
"""
