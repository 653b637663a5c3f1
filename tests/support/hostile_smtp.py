#!/usr/bin/env python3
"""An SMTP server that misbehaves on purpose, for feedd's digest tests (standard library only).

Listens on a free 127.0.0.1 port, writes it to --port-file, and answers every connection the
way --mode says:
  silent          accept and never say anything
  endless-line    send one greeting line that never ends (bytes until the client leaves)
  endless-reply   send "220-" continuation lines forever
  drop-in-data    behave until DATA, take some of the message, then close the connection
  reject-MAIL / reject-RCPT / reject-DATA / reject-end
                  answer that step with --code (default 554)
  bad-starttls    offer STARTTLS, say 220 to it, then send bytes that are no TLS handshake
Counts connections in --port-file + ".connections". Runs until SIGTERM/SIGINT.
"""
import argparse
import os
import signal
import socket
import sys
import threading


def lines(conn):
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r")


def serve(conn, mode, code):
    send = conn.sendall
    if mode == "silent":
        while conn.recv(65536):
            pass
        return
    if mode == "endless-line":
        send(b"220 ")
        while True:
            send(b"x" * 65536)
    if mode == "endless-reply":
        while True:
            send(b"220-hello hello hello hello hello hello hello hello hello hello\r\n" * 1000)
    send(b"220 hostile.example ESMTP\r\n")
    in_data = False
    taken = 0
    for line in lines(conn):
        if in_data:
            taken += len(line) + 2
            if mode == "drop-in-data" and taken > 200:
                return
            if line == b".":
                in_data = False
                if mode == "reject-end":
                    send(b"%d 5.0.0 refused at the end\r\n" % code)
                else:
                    send(b"250 2.0.0 queued\r\n")
            continue
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            if mode == "bad-starttls":
                send(b"250-hostile.example\r\n250 STARTTLS\r\n")
            else:
                send(b"250 hostile.example\r\n")
        elif verb == b"STAR":
            send(b"220 2.0.0 go ahead\r\n")
            send(b"this is not a TLS server hello\r\n" * 10)
            return
        elif verb == b"MAIL":
            send(b"%d 5.0.0 no\r\n" % code if mode == "reject-MAIL" else b"250 ok\r\n")
        elif verb == b"RCPT":
            send(b"%d 5.0.0 no\r\n" % code if mode == "reject-RCPT" else b"250 ok\r\n")
        elif verb == b"DATA":
            if mode == "reject-DATA":
                send(b"%d 5.0.0 no\r\n" % code)
            else:
                send(b"354 go ahead\r\n")
                in_data = True
        elif verb == b"QUIT":
            send(b"221 bye\r\n")
            return
        else:
            send(b"250 ok\r\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--code", type=int, default=554)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    connections = [0]

    def handle(conn):
        try:
            serve(conn, args.mode, args.code)
        except OSError:
            pass  # the client went away: what these tests provoke
        finally:
            conn.close()

    def accept():
        while True:
            conn, _ = listener.accept()
            connections[0] += 1
            with open(args.port_file + ".connections", "w") as f:
                f.write(str(connections[0]))
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
