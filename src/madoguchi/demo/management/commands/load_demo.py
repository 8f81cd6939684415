from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo organizations, procedures, users and sample applications (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-samples", action="store_true", help="do not submit the sample applications")

    def handle(self, *args, **options):
        from madoguchi.demo.extras import load_app_demos
        from madoguchi.demo.loader import load_demo
        from madoguchi.demo.samples import load_sample_applications

        result = load_demo()
        for line in result.lines():
            self.stdout.write(line)
        for line in load_app_demos():
            self.stdout.write(line)
        if not options["no_samples"]:
            for application in load_sample_applications():
                self.stdout.write(f"sample application: {application.reference_number}")
