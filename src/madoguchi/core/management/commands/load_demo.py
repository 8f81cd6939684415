from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo organizations, procedures and users (idempotent)."

    def handle(self, *args, **options):
        from madoguchi.demo.loader import load_demo

        for line in load_demo():
            self.stdout.write(line)
