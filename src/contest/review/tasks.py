from django_tasks import task

from contest.review.services import run_assignment


@task()
def run_assignment_task(run_id: int) -> str:
    """Solve the round's assignment in the background; progress lives on the AssignmentRun row."""
    return run_assignment(run_id).status
