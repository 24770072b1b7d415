from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A person who signs in, by e-mail or mainland mobile number (stored E.164)."""

    email = models.EmailField("电子邮箱", blank=True, null=True)
    phone = models.CharField("手机号", max_length=20, blank=True, null=True, unique=True)
    display_name = models.CharField("姓名", max_length=100, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_username()
