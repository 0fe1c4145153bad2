"""An agent organizes one appointment at a time, where the application asks for it (issue 19).

The column is Django's; the exclusion constraint exists only on PostgreSQL (btree_gist lets
a GiST index compare the application and the agent with `=` next to the time range's
`&&`). SQLite cannot hold such a constraint, so there the services check under the
database's write lock instead (appointments/overlaps.py); the constraint is therefore not
part of the model's state and `makemigrations` does not see it.

CREATE EXTENSION needs a superuser (or a database owner where btree_gist is trusted)
unless the extension already exists; see docs/appointments.md.
"""

from django.db import migrations, models

# Left in place when the migration is reversed: other tables may use it by then. (Django's
# BtreeGistExtension would drop it, and its reverse is not a no-op on SQLite.)
CREATE_EXTENSION = "CREATE EXTENSION IF NOT EXISTS btree_gist"

# Keep in step with appointments.overlaps.GUARDED. '[)': touching appointments do not overlap.
ADD_CONSTRAINT = """
ALTER TABLE appointments_appointment ADD CONSTRAINT appt_agent_no_overlap
EXCLUDE USING gist (
    application_id WITH =,
    organizer_id WITH =,
    tstzrange("start", "end", '[)') WITH &&
) WHERE (agent_overlap_guarded AND organizer_type = 'AGENT' AND interaction_state <> 'COMPLETE')
"""
DROP_CONSTRAINT = "ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appt_agent_no_overlap"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0003_appointment_waiting_no_show'),
    ]

    operations = [
        migrations.AddField(
            model_name='appointment',
            name='agent_overlap_guarded',
            field=models.BooleanField(db_default=False, default=False),
        ),
        # No-ops on other databases.
        migrations.RunPython(_on_postgresql(CREATE_EXTENSION), migrations.RunPython.noop, elidable=False),
        migrations.RunPython(_on_postgresql(ADD_CONSTRAINT), _on_postgresql(DROP_CONSTRAINT), elidable=False),
    ]
