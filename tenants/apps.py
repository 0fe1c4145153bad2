from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Applications (tenants)"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tenants import schema  # noqa: F401 (registers the OpenAPI extension of our authentication)
        from tenants.models import Application

        # This process forgets a saved or deleted application at once (tenants.selectors).
        post_save.connect(_forget, sender=Application, dispatch_uid="tenants.forget_saved_application")
        post_delete.connect(_forget, sender=Application, dispatch_uid="tenants.forget_deleted_application")


def _forget(sender, instance, **kwargs):
    from tenants.selectors import application_forget

    application_forget(application_id=instance.pk)
