"""State changes of the ledger. Each function checks access, writes, and records the audit entry."""

from madoguchi.ledger.services.events import event_add_municipality, event_create, event_set_status  # noqa: F401
from madoguchi.ledger.services.roles import event_role_grant, event_role_revoke  # noqa: F401
from madoguchi.ledger.services.uploads import upload_create, upload_map_columns, upload_process  # noqa: F401
