import os

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from tenants.supervisors import supervisor_upsert


class Command(BaseCommand):
    help = (
        "Create or update a supervisor of the admin console (a staff user who sees only the given "
        "applications) and print the user's id."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--application",
            action="append",
            required=True,
            dest="applications",
            metavar="APP_ID",
            help="an application the supervisor runs; repeat for several. Replaces earlier ones.",
        )
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="read the password from this environment variable (never from the command line, "
            "where other users of the machine could read it); without it the password is unchanged",
        )

    def handle(self, *args, **options):
        password = None
        variable = options["password_from_env"]
        if variable is not None:
            password = os.environ.get(variable)
            if not password:
                raise CommandError(f"environment variable {variable} is not set or empty")
        try:
            user = supervisor_upsert(
                username=options["username"],
                email=options["email"],
                application_ids=options["applications"],
                password=password,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(str(user.pk))
