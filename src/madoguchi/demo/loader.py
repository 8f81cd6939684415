"""Demo data for ``madoguchi demo``: the organizations, procedures and people of the scenarios.

Everything is keyed by natural keys (organization slug, department slug, procedure slug,
e-mail), so loading twice changes nothing the second time. A procedure whose definition
file changed gets a *new* published version: published versions are never edited.

The data lives in ``demo/data/`` as JSON, in the same shape as the form builder's
export, so a procedure owner can read and copy it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import Department, Membership, Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.procedures.constants import VersionStatus
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.models import Procedure, ProcedureVersion

DATA_DIR = Path(__file__).resolve().parent / "data"
ACTOR = "demo-loader"
# One password for every demo staff account, printed by `madoguchi demo`. Demo only.
DEFAULT_STAFF_PASSWORD = "madoguchi-demo-2026"

APPLICANT = "hanako@example.jp"
PROXY = "gyosei@example.jp"


def staff_password() -> str:
    return os.environ.get("MADOGUCHI_DEMO_PASSWORD") or DEFAULT_STAFF_PASSWORD


def _enrol_demo_authenticator(user: User) -> None:
    """Demo staff share one public authenticator secret (settings.DEMO_TOTP_SECRET), so the
    staff sign-in's second step can be tried: the code page shows the current code while the
    dev mail page is on, and the secret can be added to any authenticator app."""
    from django.conf import settings

    from madoguchi.accounts.models import TotpDevice
    from madoguchi.core.crypto import encrypt_text

    if not settings.DEMO_TOTP_SECRET or TotpDevice.objects.filter(user=user).exists():
        return
    TotpDevice.objects.create(
        user=user,
        secret=encrypt_text(settings.DEMO_TOTP_SECRET, purpose="totp"),
        confirmed_at=timezone.now(),
    )


@dataclass
class Login:
    email: str
    display_name: str
    kind: str  # applicant / staff / admin
    roles: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class DemoResult:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)

    def count(self, kind: str, created: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1

    def lines(self) -> Iterator[str]:
        made = ", ".join(f"{k} {v}" for k, v in sorted(self.created.items())) or "nothing new"
        yield f"demo data loaded ({made})."


def read_json(name: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def procedure_files() -> list[Path]:
    return sorted((DATA_DIR / "procedures").glob("*.json"))


def procedure_specs() -> list[dict[str, Any]]:
    """The demo procedures: metadata plus the form definition, one JSON file each."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in procedure_files()]


# ---------------------------------------------------------------------------- organizations


def _load_organizations(data: dict[str, Any], result: DemoResult) -> dict[str, Organization]:
    organizations: dict[str, Organization] = {}
    for spec in data["organizations"]:
        org, created = Organization.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "kind": spec["kind"],
                "reference_prefix": spec["reference_prefix"],
            },
        )
        if created:
            audit_record(actor=ACTOR, action="organization.created", target=org, after={"name": org.name})
        result.count("organizations", created)
        organizations[org.slug] = org
        for dept_spec in spec.get("departments", []):
            parent = None
            if dept_spec.get("parent"):
                parent = Department.objects.get(organization=org, slug=dept_spec["parent"])
            dept, created = Department.objects.get_or_create(
                organization=org,
                slug=dept_spec["slug"],
                defaults={"name": dept_spec["name"], "parent": parent},
            )
            result.count("departments", created)
    return organizations


def _load_users(data: dict[str, Any], organizations: dict[str, Organization], result: DemoResult) -> None:
    password = staff_password()
    for spec in data["users"]:
        kind = spec["kind"]
        user = User.objects.filter(email=spec["email"]).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(
                spec["email"],
                password=password if kind != "applicant" else None,
                display_name=spec["display_name"],
                is_staff=kind == "admin",
                is_superuser=kind == "admin",
            )
            audit_record(actor=ACTOR, action="user.created", target=user, after={"email": user.email})
        elif kind != "applicant" and not user.has_usable_password():
            user.set_password(password)
            user.save(update_fields=["password"])
        result.count("users", created)
        if kind != "applicant":
            _enrol_demo_authenticator(user)
        roles = []
        # a role the demo no longer gives (the 所属所 was a counter clerk before it had its own)
        # is taken back in older demo databases
        for stale in Membership.objects.filter(user=user, role__in=spec.get("replaces_roles", [])):
            stale.delete()
        for membership in spec.get("memberships", []):
            org = organizations[membership["organization"]]
            dept = None
            if membership.get("department"):
                dept = Department.objects.get(organization=org, slug=membership["department"])
            member, created = Membership.objects.get_or_create(
                user=user, organization=org, department=dept, role=membership["role"]
            )
            result.count("memberships", created)
            where = f"{org.name} {dept.name}" if dept else org.name
            roles.append(f"{where}（{member.get_role_display()}）")
        result.logins.append(
            Login(
                email=user.email,
                display_name=user.display_name,
                kind=kind,
                roles=roles,
                note=spec.get("note", ""),
            )
        )


# ---------------------------------------------------------------------------- procedures

PROCEDURE_FIELDS = (
    "title",
    "summary",
    "description",
    "category",
    "keywords",
    "standard_processing_days",
    "allows_proxy",
    "contact",
    "life_events",
    "fee_kind",
    "fee_amount",
    "identity_level",
)


def _load_procedure(
    spec: dict[str, Any], organizations: dict[str, Organization], result: DemoResult
) -> Procedure:
    org = organizations[spec["organization"]]
    dept = (
        Department.objects.get(organization=org, slug=spec["department"]) if spec.get("department") else None
    )
    values = {name: spec[name] for name in PROCEDURE_FIELDS if name in spec}
    procedure, created = Procedure.objects.get_or_create(
        organization=org, slug=spec["slug"], defaults={**values, "department": dept, "is_public": True}
    )
    result.count("procedures", created)
    if not created:
        changed = [name for name, value in values.items() if getattr(procedure, name) != value]
        if procedure.department_id != (dept.pk if dept else None):
            procedure.department = dept
            changed.append("department")
        for name in changed:
            if name in values:
                setattr(procedure, name, values[name])
        if changed:
            procedure.save(update_fields=[*changed, "updated_at"])
    else:
        audit_record(
            actor=ACTOR, action="procedure.created", target=procedure, after={"title": procedure.title}
        )

    wanted = {organizations[slug].pk for slug in spec.get("bulk_submitters", [])}
    if set(procedure.bulk_submitters.values_list("pk", flat=True)) != wanted:  # S2: 所属所 upload
        procedure.bulk_submitters.set(wanted)

    definition = spec["definition"]
    problems = check_definition(definition)
    if problems:  # the demo never publishes a form the builder would refuse
        raise ValueError(f"demo procedure {org.slug}/{spec['slug']}: {problems}")
    current = procedure.current_version
    if current is None or current.definition != definition:
        latest = procedure.versions.order_by("-number").first()
        version = ProcedureVersion.objects.create(
            procedure=procedure,
            number=(latest.number + 1) if latest else 1,
            status=VersionStatus.PUBLISHED,
            definition=definition,
            published_at=timezone.now(),
        )
        procedure.current_version = version
        procedure.save(update_fields=["current_version", "updated_at"])
        audit_record(
            actor=ACTOR,
            action="procedure.version_published",
            target=version,
            after={"procedure": procedure.slug, "number": version.number},
        )
        result.count("procedure versions", True)
    result.procedures.append(procedure)
    return procedure


# ---------------------------------------------------------------------------- entry point


def load_demo() -> DemoResult:
    """Create or update the demo data. Safe to run any number of times."""
    result = DemoResult()
    with transaction.atomic():
        data = read_json("organizations.json")
        organizations = _load_organizations(data, result)
        _load_users(data, organizations, result)
        specs = procedure_specs()
        for spec in specs:
            _load_procedure(spec, organizations, result)
        for spec in specs:  # 変更届 (S7): the procedure whose designations it changes
            if spec.get("amends"):
                Procedure.objects.filter(organization__slug=spec["organization"], slug=spec["slug"]).update(
                    amends=Procedure.objects.get(organization__slug=spec["organization"], slug=spec["amends"])
                )
    return result
