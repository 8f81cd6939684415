"""Likes and the auto-hide threshold under simultaneous requests (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import connection

from madoguchi.accounts.constants import Role
from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import make_staff
from madoguchi.ideas import services
from madoguchi.ideas.constants import TargetKind
from madoguchi.ideas.models import Proposal

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"
    ),
]


def _run_at_once(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def run(function):
        try:
            barrier.wait()
            function()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_likes_are_exact_when_many_press_at_once(world):
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="t", body="b", publish=True
    )
    users = [make_staff(world.org, Role.REVIEWER) for _ in range(8)]
    calls = [
        (lambda u=u: services.like_set(viewer=world.v(u), kind=TargetKind.PROPOSAL, target=proposal))
        for u in users
    ]
    calls += [
        (lambda u=users[0]: services.like_set(viewer=world.v(u), kind=TargetKind.PROPOSAL, target=proposal))
    ]
    _run_at_once(calls)
    assert Proposal.objects.get(pk=proposal.pk).likes_count == 8


def test_three_simultaneous_reports_hide_the_post_once(world):
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="t", body="b", publish=True
    )
    users = [make_staff(world.org, Role.REVIEWER) for _ in range(4)]
    _run_at_once(
        [
            (
                lambda u=u: services.report_add(
                    viewer=world.v(u), kind=TargetKind.PROPOSAL, target=proposal, reason="spam"
                )
            )
            for u in users
        ]
    )
    proposal.refresh_from_db()
    assert proposal.hidden and proposal.report_count == 4
    assert AuditEntry.objects.filter(action="ideas.auto_hidden").count() == 1
