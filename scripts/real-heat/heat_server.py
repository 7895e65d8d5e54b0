"""Serve a REAL OpenStack Heat 27 (API and engine) from one process, for tests on 127.0.0.1.

Heat 27 ships the engine and the WSGI API as separate programs that talk over oslo.messaging.
With `transport_url = fake:/` the message bus is an in-process queue, so both halves must live in
one process: this script starts `EngineService` directly and serves the `heat-api` paste app
with wsgiref (one thread per request). Facts this relies on are in
`../shared/reference/heat-real/FINDINGS.md`:
  * the THREADING oslo.service backend must be chosen before anything imports oslo_service.service;
  * on a sqlite file the engine's concurrent deferred transactions fail with "database is
    locked" at once; `BEGIN IMMEDIATE` plus a busy timeout makes writers wait instead;
  * sqlite enforces Heat's ON DELETE CASCADE only with `PRAGMA foreign_keys = ON` (found here:
    without it, stale resource data on reused row ids made resource groups skip member "0").

Usage: heat_server.py --config-file heat.conf --port PORT --pid-file FILE
SIGTERM: stop serving, stop the engine (it waits for stack threads), exit 0.
"""
from oslo_service import backend

backend.init_backend(backend.BackendType.THREADING)

import argparse  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socketserver  # noqa: E402
import threading  # noqa: E402
from wsgiref import simple_server  # noqa: E402

from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402


class ThreadedServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass

    def address_string(self):
        return self.client_address[0]


def serialize_sqlite_writers():
    import sqlalchemy
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    @event.listens_for(Pool, "connect")
    def busy_timeout(connection, _record):
        if type(connection).__module__.startswith("sqlite3"):
            connection.execute("PRAGMA busy_timeout = 60000")
            # Heat's schema relies on ON DELETE CASCADE (resource_data → resource), which
            # sqlite ignores unless foreign keys are on. Without it a deleted resource's data
            # (e.g. a ResourceGroup's removed-member list) survives, sqlite reuses the row id,
            # and a new resource inherits it: groups then skip member "0" at random.
            connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(sqlalchemy.engine.Engine, "begin")
    def begin_immediate(connection):
        if connection.dialect.name == "sqlite" and "in_transaction" not in connection.info:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.info["in_transaction"] = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config-file", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid-file", required=True)
    args = parser.parse_args()

    from heat.common import config, messaging
    from heat.engine import service
    from heat.rpc import api as rpc_api

    conf = cfg.CONF
    logging.register_options(conf)
    conf(["--config-file", args.config_file], project="heat", prog="heat-test-server")
    logging.setup(conf, "heat")
    serialize_sqlite_writers()
    config.set_config_defaults()
    messaging.setup()
    config.startup_sanity_check()

    engine = service.EngineService(conf.host, rpc_api.ENGINE_TOPIC)
    engine.start()
    app = config.load_paste_app("heat-api")
    httpd = simple_server.make_server("127.0.0.1", args.port, app,
                                      server_class=ThreadedServer, handler_class=QuietHandler)

    def stop(_signum, _frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(args.pid_file + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(args.pid_file + ".tmp", args.pid_file)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        try:
            engine.stop()
        finally:
            messaging.cleanup()
            os._exit(0)


if __name__ == "__main__":
    main()
