"""django-tasks-db as the admin shows it, in the reader's language: the package names its app
in English only, and marks its models' names for translation without shipping a French
catalogue, so ours holds them."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig

# The package's model names (its Meta), written here so that makemessages keeps their French
# in our catalogue: the admin translates them through it.
PACKAGE_MODEL_NAMES = (_("Task Result"), _("Task Results"))


class TasksDatabaseConfig(TasksAppConfig):
    # The package types its English name as str; Django takes a lazy translation as any app.
    verbose_name = _("Background tasks")  # type: ignore[assignment]
