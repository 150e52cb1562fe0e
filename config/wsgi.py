"""WSGI entry point (gunicorn). Importing it validates settings and the rulebook."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from dutyroom.web.live_wsgi import live_check

application = live_check(get_wsgi_application())  # the board's 1 s version check skips the middleware
