#!/usr/bin/env python
"""Django's manage.py; operators use the `egov` command, which wraps it."""

import sys

if __name__ == "__main__":
    from egov.cli import main

    sys.exit(main(sys.argv[1:]))
