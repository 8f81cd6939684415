"""Development e-mail backend: prints to the console and keeps a copy for /dev/mail/."""

from __future__ import annotations

import sys

from django.core.mail.backends.base import BaseEmailBackend


class DevMailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from madoguchi.core.models import DevMail

        for message in email_messages:
            to = ", ".join(message.to)
            DevMail.objects.create(to=to, subject=message.subject, body=message.body)
            if not self.fail_silently:
                sys.stdout.write(f"\n--- mail to {to}: {message.subject}\n{message.body}\n---\n")
        return len(email_messages)
