from django.core.management.base import BaseCommand

from notifications.pipeline.states import CANCELLED, FAILED, RETRIED, SENT
from notifications.pipeline.tick import deliveries_dispatch_now


class Command(BaseCommand):
    help = "Send every notification that is due now, in this process, and print a summary."

    def handle(self, *args, **options):
        outcomes = deliveries_dispatch_now()
        self.stdout.write(
            f"sent {outcomes[SENT]}, retried {outcomes[RETRIED]}, "
            f"failed {outcomes[FAILED]}, cancelled {outcomes[CANCELLED]}"
        )
