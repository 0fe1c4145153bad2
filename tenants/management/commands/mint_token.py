from django.core.management.base import BaseCommand, CommandError

from core.errors import NotFound
from tenants.roles import Role
from tenants.selectors import application_get
from tenants.services import token_mint


class Command(BaseCommand):
    help = "Print an access token for a user acting in an application."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the caller's user id")
        parser.add_argument("--application", required=True, help="application id (UUID)")
        parser.add_argument(
            "--role", action="append", required=True, choices=[role.value for role in Role], dest="roles"
        )
        parser.add_argument("--organization", help="defaults to the application's organization")
        parser.add_argument("--conference", help="customers: the appointment id the token may access")
        parser.add_argument("--ttl", type=int, help="lifetime in seconds (default: JWT_ACCESS_TOKEN_TTL)")

    def handle(self, *args, **options):
        if options["ttl"] is not None and options["ttl"] <= 0:
            raise CommandError("--ttl must be a positive number of seconds")
        if not options["user"].strip():
            raise CommandError("--user must not be empty")
        try:
            application = application_get(application_id=options["application"])
        except NotFound as exc:
            raise CommandError(exc.message) from None
        token = token_mint(
            user_id=options["user"].strip(),
            application=application,
            roles=options["roles"],
            organization_id=options["organization"],
            conference_id=options["conference"],
            ttl_seconds=options["ttl"],
        )
        self.stdout.write(token)
