"""A webhook receiver for Llavero's tests: verifies every delivery with the
official Standard Webhooks library (PyPI `standardwebhooks`).

Prints `listening <port>` first, then one JSON line per delivery:
`{"verified": true, "id", "timestamp", "body"}` (answered 204), or
`{"verified": false, "id", "error"}` (answered 400). The secret arrives
after start (`PUT /_secret`, the body is `whsec_...`), because Llavero shows
it only when the endpoint is created, which needs this receiver's URL;
deliveries before that are answered 503. `--fail-first N` answers the first
N verified deliveries 500 (so they are retried); `--hang-first N` never
answers the first N (so the attempt times out).
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

state = {"secret": None, "fail_left": 0, "hang_left": 0}
lock = threading.Lock()


def take(counter):
    """Whether `counter` had some left (and one less now)."""
    with lock:
        left = state[counter] > 0
        if left:
            state[counter] -= 1
        return left


def emit(record):
    with lock:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status):
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_PUT(self):
        length = int(self.headers.get("content-length", "0"))
        secret = self.rfile.read(length).decode().strip()
        with lock:
            state["secret"] = secret
        self.answer(204)

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        raw = self.rfile.read(length)
        with lock:
            secret = state["secret"]
        msg_id = self.headers.get("webhook-id")
        if secret is None:
            self.answer(503)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = Webhook(secret).verify(raw, headers)
        except Exception as e:  # the library raises WebhookVerificationError
            emit({"verified": False, "id": msg_id, "error": str(e)})
            self.answer(400)
            return
        if take("hang_left"):
            # Longer than Llavero's 10 s per attempt: it must give up.
            emit({"verified": True, "id": msg_id, "body": body, "answered": "hung"})
            time.sleep(15)
            return
        fail = take("fail_left")
        emit({
            "verified": True,
            "id": msg_id,
            "timestamp": headers.get("webhook-timestamp"),
            "body": body,
            "answered": 500 if fail else 204,
        })
        self.answer(500 if fail else 204)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--hang-first", type=int, default=0)
    p.add_argument("--secret", default=None)
    args = p.parse_args()
    state["fail_left"] = args.fail_first
    state["hang_left"] = args.hang_first
    state["secret"] = args.secret
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    emit_line = f"listening {server.server_address[1]}"
    sys.stdout.write(emit_line + "\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
