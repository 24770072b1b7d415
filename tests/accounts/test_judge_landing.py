"""A judge who is nothing else lands in the review workspace and sees it in the header."""

import pytest
from django.urls import reverse

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role

from ..registration.factories import user

pytestmark = pytest.mark.integration


def test_judge_signs_in_to_the_review_workspace_and_sees_the_link(db, client):
    judge = user("judge-landing")
    Role.objects.create(user=judge, kind=RoleKind.JUDGE)
    response = client.post(
        reverse("accounts:login"), {"username": "judge-landing", "password": "pw-Strong-2024"}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("judge:home"))
    page = client.get(reverse("catalog:home"))
    assert f'href="{reverse("judge:home")}"' in page.content.decode()


def test_entrant_does_not_get_the_review_link(db, client):
    client.force_login(user("plain-entrant"))
    page = client.get(reverse("catalog:home"))
    assert f'href="{reverse("judge:home")}"' not in page.content.decode()
