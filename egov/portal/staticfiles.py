"""Static files: Django's staticfiles app, told which parts of the KRDS package to leave out.

KRDS (npm ``krds-uiux``) is collected whole from ``node_modules`` under the ``krds/``
prefix. Two of its files cannot pass through the hashing storage
(``ManifestStaticFilesStorage`` rewrites every ``url()`` of a stylesheet and fails on a
reference to a missing file): ``css/component/component.css`` points its icons at
``../../img/img/…``, a directory the package does not have. ``output.css`` beside it is
the same stylesheet with correct paths plus the common rules, and is the one the
portal links. The CDN build (icons from www.krds.go.kr, which our CSP refuses
anyway), the SCSS sources and a backup script are left out as well, so that
nothing is published that no page uses. See docs/adr/0030-krds-design-system.md.
"""

from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    ignore_patterns = [
        *DjangoStaticFilesConfig.ignore_patterns,
        "css/component/component.css",
        "css/component/component.css.map",
        "cdn",
        "scss",
        "js/component/ui-script_bak.js",
    ]
