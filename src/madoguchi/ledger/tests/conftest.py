import pytest

from madoguchi.core.testing import make_ledger_event
from madoguchi.ledger import services


@pytest.fixture
def world(db):
    """A prefecture, two municipalities (架空市 and 例示町), an event and their ledger users."""
    return make_ledger_event(names=("架空市", "例示町"))


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Upload a file as a municipality user and run the background part (as after a commit)."""

    def _send(user, event, data: bytes, name: str = "daicho.csv", organization=None):
        with django_capture_on_commit_callbacks(execute=True):
            upload = services.upload_create(
                user=user,
                event_id=event.pk,
                organization_id=organization.pk if organization else None,
                name=name,
                data=data,
            )
        upload.refresh_from_db()
        return upload

    return _send
