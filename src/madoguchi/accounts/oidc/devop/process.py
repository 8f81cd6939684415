"""Start and drive the development OpenID provider from another process (tests, the demo).

No Django and no pytest here: the demo imports it before Django is set up.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from madoguchi.accounts.oidc.devop import CLIENT_ID, CLIENT_SECRET

PEOPLE_FILE = Path(__file__).resolve().parent / "people.json"
START_TIMEOUT_SECONDS = 120  # a loaded 2-core machine can take a while to migrate SQLite
VERIFIED_ACR = "urn:devop:mynumber-card"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def passwords() -> dict[str, str]:
    return {name: person["password"] for name, person in json.loads(PEOPLE_FILE.read_text("utf-8")).items()}


@dataclass
class DevOp:
    port: int
    process: subprocess.Popen

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/o"

    def provider_config(self, **overrides: Any) -> dict[str, Any]:
        """An applicant provider on this OP; ``overrides`` change any value (see config.py)."""
        config: dict[str, Any] = {
            "kind": "generic",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "label": "開発用ID",
            "audience": "applicant",
            "scopes": ["openid", "email", "profile", "address"],
            "assurance": "account",
            "acr_levels": {VERIFIED_ACR: "verified"},
            "acr_values": [VERIFIED_ACR],
            "dev": True,
        }
        config.update(overrides)
        return config

    def sign_in(self, authorize_url: str, username: str, *, session: Any = None) -> str:
        """Follow the provider's pages as a person would; returns the URL it sends us back to."""
        import requests

        browser = session or requests.Session()
        url = authorize_url
        for _hop in range(10):
            response = browser.get(url, allow_redirects=False, timeout=30)
            if response.status_code in (301, 302, 303):
                location = urljoin(url, response.headers["Location"])
                if urlsplit(location).port != self.port:
                    return location  # back to Madoguchi
                url = location
                continue
            if response.status_code == 200 and 'name="password"' in response.text:
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
                next_value = re.search(r'name="next" value="([^"]*)"', response.text).group(1)
                response = browser.post(
                    url,
                    data={
                        "csrfmiddlewaretoken": token,
                        "username": username,
                        "password": passwords()[username],
                        "next": next_value.replace("&amp;", "&"),
                    },
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=30,
                )
                assert response.status_code == 302, f"devop refused {username}: {response.status_code}"
                url = urljoin(url, response.headers["Location"])
                continue
            raise AssertionError(f"devop answered {response.status_code} at {url}: {response.text[:300]}")
        raise AssertionError("devop: too many redirects")

    def environment(self) -> dict[str, str]:
        """``OIDC_*`` variables that make Madoguchi use this provider (the demo sets them)."""
        env = {
            "OIDC_PROVIDERS": "devop",
            "OIDC_DEVOP_ISSUER": self.issuer,
            "OIDC_DEVOP_CLIENT_ID": CLIENT_ID,
            "OIDC_DEVOP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_DEVOP_LABEL": "開発用ID",
            "OIDC_DEVOP_LABEL_EN": "development ID",
            "OIDC_DEVOP_SCOPES": "openid email profile address",
            "OIDC_DEVOP_ACR_LEVELS": json.dumps({VERIFIED_ACR: "verified"}),
            "OIDC_DEVOP_ACR_VALUES": VERIFIED_ACR,
            "OIDC_DEVOP_DEV": "1",
        }
        return env

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_devop(*, data_dir: Path, port: int | None = None, redirect_bases: tuple[str, ...] = ()) -> DevOp:
    """Start the development provider and wait until it serves its discovery document."""
    import requests

    port = port or int(os.environ.get("MADOGUCHI_TEST_OP_PORT") or 0) or _free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:  # another server would answer for us
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use: stop what listens there or choose another port")
    command = [
        sys.executable,
        "-m",
        "madoguchi.accounts.oidc.devop",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    for base in redirect_bases:
        command += ["--redirect-base", base]
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    log = open(data_dir.parent / f"devop-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    op = DevOp(port=port, process=process)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.close()
            output = (data_dir.parent / f"devop-{port}.log").read_text(errors="replace")
            raise RuntimeError(f"the development OpenID provider stopped: {output[-2000:]}")
        try:
            if requests.get(f"{op.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return op
        except requests.RequestException:
            pass
        time.sleep(0.2)
    op.stop()
    raise RuntimeError("the development OpenID provider did not start in time")
