#!/usr/bin/env python3
"""A real SMTP server for feedd's digest tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on a free 127.0.0.1 port, writes it to --port-file once it accepts connections, and
stores every accepted message in the Maildir --maildir. Options:
  --tls-cert/--tls-key  offer STARTTLS and require it before MAIL
  --auth USER:PASS      require AUTH (PLAIN/LOGIN) with these credentials
  --port P              listen on P instead of a free port
  --reject N            answer the first N DATA commands with --reject-code (default 451)
  --data-delay S        wait S seconds before answering each DATA (a slow server); the message
                        is stored when the answer goes out
Runs until SIGTERM/SIGINT.
"""
import argparse
import asyncio
import mailbox
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, maildir, reject, reject_code, data_delay=0.0):
        self.box = mailbox.Maildir(maildir, create=True)
        self.data_delay = data_delay
        self.reject = reject
        self.reject_code = reject_code
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay > 0:
            await asyncio.sleep(self.data_delay)
        with self.lock:
            if self.reject > 0:
                self.reject -= 1
                if self.reject_code >= 500:
                    return f"{self.reject_code} 5.7.1 rejected by the test server"
                return f"{self.reject_code} 4.3.0 try again later (test server)"
            self.box.add(envelope.original_content)
        return "250 2.0.0 OK: queued"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--auth")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--reject", type=int, default=0)
    parser.add_argument("--reject-code", type=int, default=451)
    parser.add_argument("--data-delay", type=float, default=0.0)
    args = parser.parse_args()

    kwargs = {}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(args.tls_cert))

    handler = Sink(args.maildir, args.reject, args.reject_code, args.data_delay)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port or free_port(),
                            **kwargs)
    controller.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(controller.port))
    os.replace(args.port_file + ".tmp", args.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
