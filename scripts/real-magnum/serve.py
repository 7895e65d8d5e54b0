"""Serve real magnum-api (Magnum's own WSGI app, `magnum.wsgi.api:application`) on 127.0.0.1.

Run by up.sh. The WSGI entry point, unlike the `magnum-api` console script, does not install the
conductor indirection API, so object reads and writes go straight to SQLite in-process and no
conductor or message broker is needed. Usage: serve.py CONFIG_FILE
"""
import sys
import warnings

warnings.filterwarnings("ignore")
conf_file = sys.argv[1]
sys.argv = ["magnum-api-wsgi", "--config-file", conf_file]

from werkzeug import serving  # noqa: E402

import magnum.conf  # noqa: E402
from magnum.wsgi import api as wsgi_api  # noqa: E402  (runs prepare_service + load_app)

CONF = magnum.conf.CONF
assert CONF.api.host == "127.0.0.1", "loopback only"
serving.run_simple(CONF.api.host, CONF.api.port, wsgi_api.application, threaded=False, processes=1)
