"""Start the development OpenID provider: ``python -m madoguchi.accounts.oidc.devop --port N``.

Prepares its SQLite file (migrations, the people of the people file, the ``madoguchi-dev``
client), prints ``ready <issuer>`` and serves until stopped. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from madoguchi.accounts.oidc.devop import CLIENT_ID, CLIENT_SECRET, PROVIDER_IDS

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=18250)
    parser.add_argument("--data-dir", default="var/devop")
    parser.add_argument("--people", default=str(HERE / "people.json"))
    parser.add_argument(
        "--redirect-base",
        action="append",
        default=[],
        help="Madoguchi's address, e.g. http://localhost:8000 (http://127.0.0.1 with any port is always allowed)",
    )
    args = parser.parse_args(argv)
    issuer = f"http://127.0.0.1:{args.port}/o"
    os.environ["DEVOP_DATA_DIR"] = args.data_dir
    os.environ["DEVOP_ISSUER"] = issuer
    os.environ["DEVOP_PEOPLE"] = str(Path(args.people).resolve())
    os.environ["DJANGO_SETTINGS_MODULE"] = "madoguchi.accounts.oidc.devop.settings"

    import django

    django.setup()
    prepare(people_file=Path(args.people), redirect_bases=["http://127.0.0.1", *args.redirect_base])

    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass

    server = ThreadedWSGIServer(("127.0.0.1", args.port), QuietHandler)
    server.set_app(get_wsgi_application())
    print(f"ready {issuer}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def prepare(*, people_file: Path, redirect_bases: list[str]) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    for username, person in json.loads(people_file.read_text(encoding="utf-8")).items():
        user, _created = User.objects.get_or_create(username=username)
        user.set_password(person["password"])
        user.save()
    redirect_uris = " ".join(
        f"{base.rstrip('/')}/accounts/oidc/{provider_id}/callback/"
        for base in redirect_bases
        for provider_id in PROVIDER_IDS
    )
    application = Application.objects.filter(client_id=CLIENT_ID).first() or Application(client_id=CLIENT_ID)
    application.name = "Madoguchi (development)"
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.client_secret = CLIENT_SECRET
    application.redirect_uris = redirect_uris
    application.algorithm = Application.RS256_ALGORITHM
    application.skip_authorization = True
    application.save()


if __name__ == "__main__":
    sys.exit(main())
