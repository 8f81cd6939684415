"""``madoguchi procedures import-xlsform FILE --organization SLUG [--user EMAIL]`` and
``madoguchi procedures export-xlsform PROCEDURE_ID OUT.xlsx``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from madoguchi.accounts.models import Organization, User
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures import exchange
from madoguchi.procedures.models import Procedure


class Command(BaseCommand):
    help = "Procedures: import an XLSForm workbook as a new procedure (a draft), or export one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import-xlsform", help="create a procedure (an unpublished draft) from an XLSForm"
        )
        imp.add_argument("file")
        imp.add_argument("--organization", required=True, help="organization slug")
        imp.add_argument(
            "--user", help="e-mail of the staff member recorded as author (default: a superuser)"
        )
        exp = sub.add_parser(
            "export-xlsform", help="write a procedure's published version (or draft) as XLSForm"
        )
        exp.add_argument("procedure_id", type=int)
        exp.add_argument("out")
        exp.add_argument(
            "--draft", action="store_true", help="export the draft instead of the published version"
        )

    def handle(self, *args, **options):
        if options["action"] == "export-xlsform":
            procedure = Procedure.objects.filter(pk=options["procedure_id"]).first()
            if procedure is None:
                raise CommandError(f"procedure not found: {options['procedure_id']}")
            if options["draft"] or procedure.current_version is None:
                definition = procedure.draft.definition
            else:
                definition = procedure.current_version.definition
            Path(options["out"]).write_bytes(exchange.export_xlsform(procedure, definition))
            self.stdout.write(f"written: {options['out']}")
            return
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"organization not found: {options['organization']}")
        if options.get("user"):
            actor = User.objects.filter(email=options["user"]).first()
        else:
            actor = User.objects.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError("no such user: give --user EMAIL of a staff member who builds procedures")
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            procedure = exchange.procedure_import_xlsform(actor=actor, organization=organization, data=data)
        except FieldErrors as exc:
            for messages in exc.as_dict().values():
                for message in messages:
                    self.stderr.write(message)
            raise CommandError("nothing was imported") from None
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"imported as a draft: /builder/{procedure.pk}/ ({procedure.title})")
