from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# Signed exchange requests from other deployments are answered before Django's middleware (ADR 0062).
from egov.exchange.federation.wsgi import wrap  # noqa: E402 - needs the settings configured above

application = wrap(django_application)
