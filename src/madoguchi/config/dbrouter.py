"""Send reads of read-mostly apps to a PostgreSQL replica when one is configured.

Only apps whose pages tolerate a replica a second or two behind (dashboards, open data,
FAQ search) read from it; everything that must read its own writes — applications,
review, notifications, accounts — stays on the primary. Writes and migrations always go
to the primary. Enabled by ``DATABASE_REPLICA_URL``; the apps by ``DATABASE_REPLICA_APPS``.
"""

from __future__ import annotations

from django.conf import settings


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in settings.DATABASE_REPLICA_APPS:
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one physical database, replicated

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
