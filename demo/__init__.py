"""The demo territory and its activity, seeded through every app's services.

Above every app: it imports organisations, inventory and reuse, and none of them imports it.
"""
