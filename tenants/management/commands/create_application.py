from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import ApplicationKind
from tenants.services import application_create


class Command(BaseCommand):
    help = "Create an application (tenant) and print its id."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--organization", required=True, help="organization id of the application")
        parser.add_argument("--kind", choices=ApplicationKind.values, default=ApplicationKind.GENESYS)
        parser.add_argument(
            "--auto-activate", action="store_true", help="activate appointments when scheduled"
        )
        parser.add_argument("--notifications-active", action="store_true", help="send notifications")
        parser.add_argument(
            "--default-region",
            default="",
            help="ISO 3166 alpha-2 region for phone numbers written without +country code, e.g. GR",
        )

    def handle(self, *args, **options):
        name, organization = options["name"].strip(), options["organization"].strip()
        if not name or not organization:
            raise CommandError("--name and --organization must not be empty")
        try:
            application = application_create(
                name=name,
                organization_id=organization,
                kind=options["kind"],
                auto_activate=options["auto_activate"],
                notifications_active=options["notifications_active"],
                default_region=options["default_region"].strip().upper(),
            )
        except ValidationError as exc:
            fields = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            problems = [f"{name}: {text}".lstrip(": ") for name, texts in fields for text in texts]
            raise CommandError("; ".join(problems)) from None
        self.stdout.write(str(application.pk))
