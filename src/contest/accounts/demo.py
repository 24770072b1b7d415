"""Demo accounts. Passwords are printed by `make run`; never use them outside a demo."""

from contest.accounts.models import User

SECRETARIAT = ("秘书处管理员 secretariat", "secretariat", "cnmaker-demo-2024")


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    _role, username, password = SECRETARIAT
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "display_name": "大赛秘书处",
            "email": "secretariat@example.cn",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return [SECRETARIAT]
