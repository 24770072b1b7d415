"""Sign-up: the password's similarity check names the field the user typed; errors summarised on top."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contest.accounts.models import User

from .html import elements, field_errors, texts

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def sign_up(client, identifier: str, password: str, **extra):
    data = {"identifier": identifier, "password": password, "password_confirm": password, "accept_privacy": "on",
            **extra}  # fmt: skip
    return client.post(reverse("accounts:signup"), data)


@pytest.mark.parametrize(
    ("identifier", "password", "name", "message"),
    [
        ("lilei2024@example.cn", "lilei2024@example", "", "密码与您填写的电子邮箱太相似，请换一个。"),
        ("13812345678", "x13812345678", "", "密码与您填写的手机号太相似，请换一个。"),
        ("founder@example.cn", "Zhanglei-zhang", "zhanglei zhang", "密码与您填写的姓名太相似，请换一个。"),
    ],
)
def test_sign_up_similarity_names_the_field_the_user_typed(client, identifier, password, name, message):
    response = sign_up(client, identifier, password, display_name=name)

    assert response.status_code == 200
    assert field_errors(response) == [message]
    assert "用户名" not in response.content.decode()
    assert User.objects.count() == 0


def test_sign_up_password_unlike_what_was_typed_is_accepted(client):
    response = sign_up(client, "13812345678", "Chuangke-2024!")

    assert response.status_code == 302
    assert User.objects.get().username == "+8613812345678"


def test_sign_up_errors_are_summarised_on_top_with_links_to_their_fields(client):
    response = sign_up(client, "not-an-email@", "12345678")

    [summary] = texts(response, "div", role="alert")
    links = [
        (a["attrs"]["href"], a["text"])
        for a in elements(response, "a")
        if a["attrs"].get("href", "").startswith("#id_")
    ]
    assert summary == (
        "请更正以下问题： 电子邮箱或手机号：电子邮箱格式不正确。密码：这个密码太常见了。 密码只包含数字。"
    )
    assert links == [("#id_identifier", "电子邮箱或手机号"), ("#id_password", "密码")]


def test_sign_up_similarity_message_in_english(client):
    client.cookies["django_language"] = "en"

    response = sign_up(client, "13812345678", "x13812345678")

    assert field_errors(response) == ["The password is too similar to the mobile number you entered."]
