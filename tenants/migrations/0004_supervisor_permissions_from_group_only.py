"""Existing supervisors keep only the Supervisors group's permissions (tenants/supervisors.py).

Permissions ticked by hand, on a supervisor or through another group, showed them
Celery beat's schedules, users and groups in the console, which they cannot use.
"""

from django.conf import settings
from django.db import migrations

from tenants.supervisors import SUPERVISORS_GROUP, supervisor_permission_filter


def supervisors_keep_only_group_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    group = Group.objects.filter(name=SUPERVISORS_GROUP).first()
    if group is None:
        return  # No supervisor yet.
    group.permissions.remove(*group.permissions.exclude(supervisor_permission_filter()))
    for user in User.objects.filter(groups=group, is_superuser=False):
        user.user_permissions.clear()
        user.groups.set([group])


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_application_default_region"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Nothing to restore: which permissions were given by hand is not kept.
    operations = [migrations.RunPython(supervisors_keep_only_group_permissions, migrations.RunPython.noop)]
