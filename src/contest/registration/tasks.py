from django_tasks import task

from contest.registration.services import record_duplicates


@task()
def flag_duplicates(entry_id: int) -> int:
    """Compare a submitted entry with the edition's others; flag near-duplicates."""
    return record_duplicates(entry_id)
