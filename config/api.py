"""The one NinjaAPI of the platform, at /api/v1 (OpenAPI 3.1 at /api/v1/openapi.json).

The API object and its error mapping are the kernel's (``egov.core.ninja_api``); this module
only mounts each app's router, so that apps never import each other.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings

from egov.core.ninja_api import make_api

api = make_api()

# Each app's router (its ``api.py``) is mounted at /api/v1/<app>/.
for _app in settings.EGOV_APPS:
    if find_spec(f"{_app}.api") is not None:
        api.add_router(f"/{_app.rsplit('.', 1)[1]}/", import_module(f"{_app}.api").router)
