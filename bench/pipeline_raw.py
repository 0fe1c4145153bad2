"""The ceiling: the fastest honest loop that sends the same messages to the same fakes.

Messages are rendered by the pipeline's own code before the clock starts; then each of
`processes` processes sends its share with one thread per channel: email as raw bytes over
one smtplib connection, SMS with the `twilio` SDK on one keep-alive session. Nothing is read
from or written to the database while the clock runs, so the pipeline's throughput divided
by this one is the share of the machine the pipeline's bookkeeping leaves to sending.
"""

import multiprocessing
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RawMessages:
    emails: list[tuple[str, str, bytes]]  # (from, to, the message's bytes)
    texts: list[tuple[str, str, str]]  # (from, to, body)

    def __len__(self) -> int:
        return len(self.emails) + len(self.texts)


def raw_messages(delivery_ids: list, *, now: datetime) -> RawMessages:
    """Render the rows like a worker does (not sending them), in the form the raw loop sends.

    `now` is past the rows' due time: they are read as a worker reads them once due.
    """
    from notifications.backends.base import EmailMessage, SmsMessage
    from notifications.backends.email import email_of
    from notifications.pipeline.batch import batch_load
    from notifications.pipeline.messages import delivery_message

    batch = batch_load(delivery_ids, now=now)
    emails, texts = [], []
    for delivery in batch.deliveries:
        message = delivery_message(delivery, batch)
        if isinstance(message, EmailMessage):
            email, _ = email_of(message)
            # CRLF line ends, as Django's SMTP backend writes them (smtplib sends bytes as given).
            emails.append((email.from_email, message.to, email.message().as_bytes(linesep="\r\n")))
        elif isinstance(message, SmsMessage):
            texts.append((message.from_number, message.to, message.body))
    return RawMessages(emails=emails, texts=texts)


def raw_send(messages: RawMessages, *, processes: int, smtp_port: int, twilio_url: str) -> float:
    """Send everything in `processes` processes; messages a second, wall clock."""
    context = multiprocessing.get_context("fork")
    ready, go = context.Barrier(processes + 1), context.Event()
    workers = [
        context.Process(
            target=_send_share,
            args=(
                messages.emails[n::processes],
                messages.texts[n::processes],
                smtp_port,
                twilio_url,
                ready,
                go,
            ),
        )
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait()  # every process connected: the clock starts now
    started = time.perf_counter()
    go.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if any(worker.exitcode for worker in workers):
        raise RuntimeError("a raw sender failed")
    return len(messages) / elapsed


def _send_share(emails, texts, smtp_port: int, twilio_url: str, ready, go) -> None:
    from django.conf import settings
    from twilio.rest import Client

    from notifications.backends.sms import OriginRewritingHttpClient

    smtp = smtplib.SMTP("127.0.0.1", smtp_port)
    smtp.ehlo()
    client = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=OriginRewritingHttpClient(twilio_url),
    )

    def send_emails():
        for from_email, to, content in emails:
            smtp.sendmail(from_email, [to], content)

    def send_texts():
        for from_number, to, body in texts:
            client.messages.create(to=to, from_=from_number, body=body)

    failures: list[BaseException] = []

    def run(send) -> None:
        try:
            send()
        except BaseException as exc:  # a raw loop that fails must fail the benchmark, not shorten it
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(send,)) for send in (send_emails, send_texts)]
    ready.wait()
    go.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    smtp.quit()
    if failures:
        raise SystemExit(f"raw sender failed: {failures[0]!r}")
