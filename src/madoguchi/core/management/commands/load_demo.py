from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo organizations, procedures and users (idempotent: safe to run again)."

    def handle(self, *args, **options):
        from madoguchi.demo.loader import load_demo

        result = load_demo()
        for line in result.lines():
            self.stdout.write(line)
