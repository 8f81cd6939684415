"""Builder: saving a 100-field procedure and rendering its preview, through the real views.

Runs in-process with Django's test client on a fresh in-memory SQLite database (or the
database in DATABASE_URL; PostgreSQL gets its own test database ``test_<name>``), so no
server or port is needed. For each operation it prints the median, p95 and max of N
requests, and the ratio to a same-run baseline: GET /healthz through the same client
(the fixed cost of one Django request: middleware, session, routing).

    python3 bench/builder.py                 # 30 rounds each
    python3 bench/builder.py --rounds 100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mdg_builder python3 bench/builder.py

Operations (each one request through the builder's views, as a staff user):

- edit-field   POST /builder/<id>/fields/<key>/   save one field of the 100-field draft
               (parse the form, check the type's options, keep the previous definition for
               元に戻す, write the draft and an audit entry)
- import-json  POST /builder/<id>/import/         replace the whole 100-field draft from JSON
- editor       GET  /builder/<id>/                the editor page: 100 fields, their rules in
               Japanese, check_definition and the diff against the published version
- preview      GET  /builder/<id>/preview/?step=  one step of 20 fields at phone width
- try-submit   POST /builder/<id>/preview/        「試しに送信」 of that step with 3 errors
- publish      POST /builder/<id>/publish/        check and publish a new version
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")
os.environ.setdefault("MADOGUCHI_FAST_HASHER", "1")

TYPES = [
    ("text", {}),
    ("name", {}),
    ("date", {"validation": {"past_only": True}}),
    ("phone", {}),
    ("email", {}),
    ("radio", {"options": [{"value": "a", "label": "はい"}, {"value": "b", "label": "いいえ"}]}),
    ("select", {"options": [{"value": str(n), "label": f"選択肢{n}"} for n in range(10)]}),
    ("checkboxes", {"options": [{"value": "x", "label": "X"}, {"value": "y", "label": "Y"}]}),
    ("integer", {"unit": "人", "validation": {"min": 0, "max": 99}}),
    ("money", {}),
    ("address", {}),
    ("textarea", {"validation": {"max_length": 1000}}),
    ("yes_no", {}),
    ("date_range", {}),
    ("time", {}),
    ("number_with_unit", {"units": [{"value": "kg", "label": "kg"}]}),
    ("bank_account", {}),
    ("mynumber", {}),
    ("decimal", {"places": 1}),
    ("computed", {"expression": "f{n0} * 2", "format": "integer"}),
]


def definition_with_100_fields() -> dict:
    steps = []
    n = 0
    for s in range(5):
        fields = []
        first = n
        for type_id, options in TYPES:
            spec = {"key": f"f{n}", "type": type_id, "label": f"項目{n + 1}", "required": n % 3 == 0}
            opts = json.loads(json.dumps(options).replace("{n0}", str(first + 8)))
            spec.update(opts)
            if type_id == "computed":
                spec.pop("required")
            if n % 10 == 5:
                spec["show_if"] = {"expr": f"f{first + 5} == 'a'"} if n != first + 5 else None
                if spec["show_if"] is None:
                    spec.pop("show_if")
            fields.append(spec)
            n += 1
        steps.append(
            {
                "key": f"step{s + 1}",
                "title": f"手順{s + 1}",
                "fields": fields,
                "checks": [
                    {
                        "rule": f"f{first + 8} <= 50 or empty(f{first + 8})",
                        "message": "50人以下にしてください。",
                    }
                ],
            }
        )
    return {"steps": steps}


def measure(label: str, rounds: int, call) -> list[float]:
    call()  # warm-up (template and rule caches)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - started)
        assert response.status_code in (200, 302), (label, response.status_code)
    return times


def row(label: str, times: list[float], baseline: float) -> str:
    median = statistics.median(times)
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    return f"{label:<12} median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   ×{median / baseline:6.1f} baseline"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.perf_counter()
    old = setup_databases(verbosity=0, interactive=False)
    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} (set up in {time.perf_counter() - started:.1f} s)"
    )
    try:
        run(args.rounds, Client)
    finally:
        teardown_databases(old, verbosity=0)


def run(rounds: int, Client) -> None:
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_staff
    from madoguchi.procedures import exchange, services
    from madoguchi.procedures.definition import check_definition

    definition = definition_with_100_fields()
    assert check_definition(definition) == [], check_definition(definition)[:3]
    assert sum(len(s["fields"]) for s in definition["steps"]) == 100
    organization = make_organization()
    owner = make_staff(organization, role=Role.OWNER)
    procedure = services.procedure_create(actor=owner, organization=organization, title="100項目の手続")
    services.procedure_draft_replace(actor=owner, procedure=procedure, definition=definition)
    services.procedure_publish(actor=owner, procedure=procedure)
    client = Client()
    client.force_login(owner)
    base = f"/builder/{procedure.pk}"
    document = exchange.export_json(procedure, definition).encode()
    print(
        f"definition: 100 fields in 5 steps, {len(json.dumps(definition, ensure_ascii=False).encode()):,} bytes of JSON; {rounds} rounds each"
    )

    def revision() -> int:
        procedure.draft.refresh_from_db()
        return procedure.draft.revision

    edits = iter(range(10**6))

    def edit_field():
        n = next(edits)
        return client.post(
            f"{base}/fields/f40/",
            {
                "revision": revision(),
                "key": "f40",
                "label": f"項目41（{n}）",
                "required": "on",
                "opt.validation.min_length": "1",
                "opt.validation.max_length": "100",
            },
        )

    def import_json():
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(f"{base}/import/", {"file": SimpleUploadedFile("p.json", document)})

    post = {
        "step": "step2",
        "f20": "x" * 10,
        "f22": "昭和50年1月1日",
        "f23": "abc",
        "f24": "taro@example.jp",
        "f25": "a",
        "f28": "１２０",
        "f29": "1,000円",
    }
    baseline_times = measure("baseline", rounds, lambda: client.get("/healthz"))
    baseline = statistics.median(baseline_times)
    print(row("baseline", baseline_times, baseline) + "   (GET /healthz)")
    catalog = measure("catalog", rounds, lambda: client.get("/"))
    print(row("catalog", catalog, baseline) + "   (GET / — the public catalog page, for scale)")
    print(row("edit-field", measure("edit-field", rounds, edit_field), baseline))
    print(row("import-json", measure("import-json", rounds, import_json), baseline))
    print(row("editor", measure("editor", rounds, lambda: client.get(f"{base}/")), baseline))
    print(
        row(
            "preview", measure("preview", rounds, lambda: client.get(f"{base}/preview/?step=step2")), baseline
        )
    )
    try_times = measure("try-submit", rounds, lambda: client.post(f"{base}/preview/", post))
    print(row("try-submit", try_times, baseline))
    publish_times = []
    for n in range(min(rounds, 10)):
        services.procedure_draft_change(
            actor=owner, procedure=procedure, operation="update_step", step_key="step1", title=f"手順1（{n}）"
        )
        started = time.perf_counter()
        response = client.post(f"{base}/publish/", {"revision": revision()})
        publish_times.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
    print(row("publish", publish_times, baseline) + f"   ({len(publish_times)} versions)")
    body = client.get(f"{base}/preview/?step=step2").content
    print(
        f"preview page: {len(body) / 1024:.1f} KB of HTML for 20 fields; editor page: {len(client.get(f'{base}/').content) / 1024:.1f} KB"
    )
    print(f"load average: {os.getloadavg()[0]:.2f} (2 shared cores)")


if __name__ == "__main__":
    main()
