"""gunicorn settings for deploy/systemd/campus-web.service (docs/deploy.md).

Environment variables override: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_TIMEOUT.
"""

import multiprocessing
import os

bind = os.getenv("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.getenv("GUNICORN_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 9))))
timeout = int(os.getenv("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Only the proxy on loopback talks to gunicorn; the app itself decides what X-Forwarded-* to trust.
forwarded_allow_ips = os.getenv("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Access lines with the request id nginx assigned (X-Request-ID), as in nginx's and the app's logs.
accesslog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms request=%({x-request-id}i)s'
errorlog = "-"
