from celery import shared_task

from madoguchi.ideas.services import ideas_remind_due


@shared_task(name="ideas.remind_due")
def remind_due() -> int:
    """Daily: departments whose official answers are due soon are reminded (once each)."""
    return ideas_remind_due()
