import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.config.settings")
application = get_asgi_application()

# An ASGI server runs no system checks: refuse here to serve with DEBUG=0 on development values.
from madoguchi.core.checks import refuse_unsafe_start  # noqa: E402
from madoguchi.core.startup import load_and_freeze  # noqa: E402

refuse_unsafe_start()
load_and_freeze()  # every view loaded now; what the process keeps leaves the collector's walks
