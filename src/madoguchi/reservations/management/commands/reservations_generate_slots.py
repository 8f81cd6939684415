import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from madoguchi.reservations.models import Resource
from madoguchi.reservations.services import slots_generate


class Command(BaseCommand):
    help = (
        "Create slots from each resource's opening hours for the coming days (idempotent; skips closed days)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--resource", type=int, help="only this resource id")

    def handle(self, *args, days, resource, **options):
        start = timezone.localdate()
        end = start + dt.timedelta(days=days)
        resources = Resource.objects.all()
        if resource:
            resources = resources.filter(pk=resource)
        for item in resources:
            created = slots_generate(resource=item, start=start, end=end)
            self.stdout.write(f"{item.name}: {created} new slots {start}..{end}")
