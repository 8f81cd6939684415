"""The ``madoguchi`` console command: Django's manage.py plus ``madoguchi demo``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")
    if len(argv) > 1 and argv[1] == "demo":
        demo(argv[2:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def demo(args: list[str]) -> None:
    """Migrate the embedded SQLite database under ./var, load the demo data (idempotent), serve."""
    import argparse

    parser = argparse.ArgumentParser(prog="madoguchi demo", description="Run the Madoguchi demo on SQLite.")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--no-serve", action="store_true", help="prepare the database, print the logins, exit"
    )
    parser.add_argument(
        "--oidc",
        action="store_true",
        help="also start the development OpenID provider (needs the test extra: django-oauth-toolkit)",
    )
    parser.add_argument("--oidc-port", type=int, default=0, help="its port (default: --port + 50)")
    options = parser.parse_args(args)

    base_url = f"http://{options.host}:{options.port}"
    from madoguchi.core.devvalues import DEMO_ENVIRONMENT

    # The demo's explicit development values — debug mode, public demo-only keys, the dev mail
    # page and e-mail backend — unless the environment already sets them (core/devvalues.py).
    for name, value in DEMO_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("SITE_URL", base_url)
    devop = _start_demo_oidc(options, base_url) if options.oidc else None
    try:
        _demo(options, base_url, devop)
    finally:
        if devop is not None:
            devop.stop()


def _resume_search_vectors() -> None:
    """The semantic search's vectors are filled in a background thread after the demo data
    changes the index; a run that stopped before it finished (``--no-serve`` exits at once)
    left some missing, and the search stays lexical until all are there. Serving resumes the
    fill in the background (nothing to do when none is missing; docs/search.md)."""
    from madoguchi.knowledge.semantic import store

    store.schedule()


def _start_demo_oidc(options, base_url: str):
    """The development OpenID provider in its own process, and the OIDC_* variables that use it.

    A demo convenience only: production lists real providers in OIDC_PROVIDERS (docs/identity.md).
    """
    from pathlib import Path

    from madoguchi.accounts.oidc.devop.process import start_devop

    data_dir = Path(os.environ.get("MADOGUCHI_DATA_DIR", Path.cwd() / "var")) / "devop"
    data_dir.mkdir(parents=True, exist_ok=True)
    print("starting the development OpenID provider …", flush=True)
    devop = start_devop(
        data_dir=data_dir, port=options.oidc_port or options.port + 50, redirect_bases=(base_url,)
    )
    os.environ.update(devop.environment())
    return devop


def _demo(options, base_url: str, devop) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from madoguchi.demo.banner import banner_lines
    from madoguchi.demo.extras import load_app_demos
    from madoguchi.demo.loader import load_demo
    from madoguchi.demo.samples import load_sample_applications

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    print(f"database: {settings.DATABASES['default']['NAME']}", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    result = load_demo()
    for line in result.lines():
        print(line)
    for line in load_app_demos():
        print(line)
    samples = load_sample_applications()
    for line in banner_lines(result, base_url=base_url, samples=samples):
        print(line)
    if devop is not None:
        print(f"開発用IDプロバイダ (development OpenID provider): {devop.issuer}  — デモ専用です")
        print("  /accounts/login/ の「開発用IDでログイン」から:")
        print(
            "    hanako / devop-hanako-2026  マイナンバーカードで本人確認済みの人（氏名・住所・生年月日が入ります）"
        )
        print("    taro   / devop-taro-2026    ふつうのアカウント")
    sys.stdout.flush()
    if options.no_serve:
        return
    _resume_search_vectors()
    print(f"Madoguchi demo: {base_url}/  (Ctrl+C で終了 / to stop)\n", flush=True)
    call_command("runserver", f"{options.host}:{options.port}", use_reloader=False, use_threading=True)
