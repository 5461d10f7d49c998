"""A local SMTP server for the e-mail delivery tests (test tooling only).

Usage: sink.py --port PORT --dir DIR [--refuse PREFIX=CODE ...]
               [--security plain|starttls|tls --cert PEM --key PEM] [--login USER:PASSWORD]

Accepts every message on 127.0.0.1:PORT and writes each to DIR as one JSON file (written under a
temporary name, then renamed, so a reader never sees half a message): the envelope, the From, To
and Subject headers, the top-level content type, and the plain-text and HTML parts decoded by
Python's e-mail parser (so a test reads what a mail program would show). A recipient whose address
starts with PREFIX is refused at RCPT TO with CODE (e.g. `bounce@=550` for a permanent failure,
`busy@=451` for a temporary one). Prints `listening on 127.0.0.1:PORT` once it accepts
connections; stops on SIGTERM or SIGINT.

With `--security starttls` the server offers STARTTLS and refuses mail before it; with `tls`
the connection is TLS from the start (both with the given certificate). With `--login`, mail
is refused (530) until the client authenticates with that user and password, which is offered
only over TLS.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REASONS = {
    "4": "4.3.0 temporarily unable to accept mail for this recipient",
    "5": "5.1.1 no such user here",
}


class Sink:
    def __init__(self, directory, refusals):
        self.directory = directory
        self.refusals = refusals
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for prefix, code in self.refusals:
            if address.lower().startswith(prefix):
                return f"{code} {REASONS[code[0]]}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {}
        for kind in ("plain", "html"):
            part = message.get_body(preferencelist=(kind,))
            if part is not None and part.get_content_subtype() == kind:
                parts[kind] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "content_type": message.get_content_type(),
            "text": parts.get("plain"),
            "html": parts.get("html"),
        }
        name = f"{os.getpid()}-{next(self.counter):06d}.json"
        temporary = os.path.join(self.directory, f".{name}.tmp")
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(temporary, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--refuse", action="append", default=[], metavar="PREFIX=CODE")
    parser.add_argument("--security", choices=["plain", "starttls", "tls"], default="plain")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--login", metavar="USER:PASSWORD")
    args = parser.parse_args()
    context = None
    if args.security != "plain":
        if not (args.cert and args.key):
            parser.error(f"--security {args.security} needs --cert and --key")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    authenticator = None
    if args.login:
        user, _, password = args.login.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: aiosmtpd answers the refusal (535) itself.
            return AuthResult(success=ok, handled=False)

    refusals = []
    for rule in args.refuse:
        prefix, _, code = rule.rpartition("=")
        if not prefix or len(code) != 3 or code[0] not in "45" or not code.isdigit():
            parser.error(f"--refuse {rule!r}: expected PREFIX=CODE with a 4xx or 5xx code")
        refusals.append((prefix.lower(), code))
    os.makedirs(args.dir, exist_ok=True)
    sink = Sink(args.dir, refusals)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            sink,
            hostname="sink.test",
            decode_data=False,
            tls_context=context if args.security == "starttls" else None,
            require_starttls=args.security == "starttls",
            authenticator=authenticator,
            auth_required=authenticator is not None,
            # Implicit TLS is TLS all along, though aiosmtpd only knows of STARTTLS.
            auth_require_tls=args.security != "tls",
        ),
        host="127.0.0.1",
        port=args.port,
        ssl=context if args.security == "tls" else None,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
