from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def _canonical(email: str) -> str:
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def fill_email_canonical(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Accounts bulk-created (the demo) before bulk creation derived the canonical address.
    The rule is copied (not imported) so this migration keeps meaning what it meant. An
    address whose canonical form another account already holds keeps NULL (two older
    accounts of one mailbox: neither is taken away)."""
    user_model = apps.get_model("accounts", "User")
    taken = set(
        user_model.objects.exclude(email_canonical=None).values_list("email_canonical", flat=True)
    )
    for pk, email in user_model.objects.filter(email_canonical=None).values_list("pk", "email"):
        canonical = _canonical(email) if email else None
        if canonical is None or canonical in taken:
            continue
        taken.add(canonical)
        user_model.objects.filter(pk=pk).update(email_canonical=canonical)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_handle_not_empty"),
    ]

    operations = [
        migrations.RunPython(fill_email_canonical, migrations.RunPython.noop),
    ]
