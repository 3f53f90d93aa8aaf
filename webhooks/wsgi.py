"""The WSGI entry point for several web workers (Linux):

    PRENS_CONFIG=/etc/prens/balangan.toml PRENS_WEBHOOK_SECRET=... \\
        gunicorn --workers 4 --bind 127.0.0.1:8000 'webhooks.wsgi:app'

Each worker process opens its own connections to the deployment's database(s). The web
workers run no scheduled jobs: run `prens worker` (one or more) beside them. A deployment file
listing several programs is served by one dispatcher (webhooks/dispatch.py). Run
`prens db upgrade` once before starting the workers, so they do not all create the schema.
"""

from __future__ import annotations

import logging
import os

from prens.privacy import configure_logging, redact_logs
from webhooks.serve import deployment_app

if not os.environ.get("PRENS_CONFIG"):
    raise SystemExit("webhooks.wsgi: set PRENS_CONFIG to the configuration or deployment file")
# gunicorn sets up its own loggers only: the app's lines go to standard error as `prens serve`
# writes them, and no log line, gunicorn's own included, carries a NIK, KK or phone number.
configure_logging()
redact_logs(logging.getLogger("gunicorn.error"))
app = deployment_app(os.environ["PRENS_CONFIG"], os.environ, allow_dev_secret=False)[0]
