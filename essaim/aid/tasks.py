from django_tasks import task

from essaim.aid.services import listing_expire_due


@task()
def expire_listings() -> int:
    """Run from cron (`manage.py expire_aid_listings --enqueue`) or a scheduler: idempotent,
    a second run in a row finds nothing to do."""
    return listing_expire_due()
