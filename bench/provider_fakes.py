"""The loopback SMTP server and Twilio fake in a process of their own, for the benchmarks.

In their own process they do not share an interpreter lock with the script that
measures, and the pipeline and the raw loop drive the very same servers.

    python -m bench.provider_fakes      # prints {"smtp_port": ..., "twilio_url": ...}, then obeys stdin:
    count   -> {"emails": n, "sms": n, "email_duplicates": n, "sms_duplicates": n}
    reset   -> forget what was received
    (EOF)   -> stop

A duplicate is a second email with the same X-Delivery-Id header, or a second text with
the same number and body.
"""

import json
import logging
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DELIVERY_HEADER = b"\nX-Delivery-Id: "


def _delivery_id(content: bytes) -> bytes:
    """The delivery id header of a raw message, found without parsing the whole MIME tree."""
    start = content.find(DELIVERY_HEADER)
    if start < 0:
        return b""
    start += len(DELIVERY_HEADER)
    return content[start : content.find(b"\r\n", start)].strip()


def _serve() -> None:
    from bench.fakes import SmtpSink, TwilioFake

    logging.disable(logging.CRITICAL)  # aiosmtpd logs every SMTP command
    smtp, twilio = SmtpSink().start(), TwilioFake().start()
    print(json.dumps({"smtp_port": smtp.port, "twilio_url": twilio.base_url}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "count":
            emails = Counter(_delivery_id(mail.content) for mail in list(smtp.messages))
            texts = Counter((r.form.get("To"), r.form.get("Body")) for r in list(twilio.requests))
            print(
                json.dumps(
                    {
                        "emails": sum(emails.values()),
                        "sms": sum(texts.values()),
                        "email_duplicates": sum(n - 1 for key, n in emails.items() if key),
                        "sms_duplicates": sum(n - 1 for n in texts.values()),
                    }
                ),
                flush=True,
            )
        elif command == "reset":
            smtp.messages.clear()
            twilio.requests.clear()
            print("{}", flush=True)
    smtp.stop()
    twilio.stop()


class ProviderFakes:
    """The fakes' process, seen from the benchmark."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.provider_fakes"],
            cwd=PROJECT,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self._process.pid
        ports = json.loads(self._ask(None))
        self.smtp_port: int = ports["smtp_port"]
        self.twilio_url: str = ports["twilio_url"]

    def _ask(self, command: str | None) -> str:
        assert self._process.stdin and self._process.stdout
        if command:
            self._process.stdin.write(command + "\n")
            self._process.stdin.flush()
        return self._process.stdout.readline()

    def counts(self) -> dict[str, int]:
        return json.loads(self._ask("count"))

    def reset(self) -> None:
        self._ask("reset")

    def stop(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=30)


if __name__ == "__main__":
    _serve()
