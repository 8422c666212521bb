import secrets

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils.text import slugify

RESERVED_HANDLES = frozenset({"me", "settings", "export", "delete"})


def fill_empty_handles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Accounts made by `createsuperuser` before the manager gave every account a handle.
    The rule is copied (not imported) so this migration keeps meaning what it meant."""
    user_model = apps.get_model("accounts", "User")
    for user in user_model.objects.filter(handle="").only("pk", "display_name"):
        base = (slugify(user.display_name) or "membre")[:30]
        candidate = base
        while (
            candidate in RESERVED_HANDLES
            or user_model.objects.filter(handle=candidate).exists()
        ):
            candidate = f"{base}-{secrets.token_hex(2)}"
        user_model.objects.filter(pk=user.pk).update(handle=candidate)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_banned_at_user_email_canonical_and_more"),
    ]

    operations = [
        migrations.RunPython(fill_empty_handles, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("handle", ""), _negated=True), name="user_handle_not_empty"
            ),
        ),
    ]
