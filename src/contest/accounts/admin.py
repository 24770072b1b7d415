from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from contest.accounts import security
from contest.accounts.forms import AdminUserAddForm, AdminUserChangeForm
from contest.accounts.views import SecondStepMixin
from contest.core.client import origin

from .models import User

#: Fields whose change alters what an account may do; each change is an audited security event.
PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


def _plain(value):
    if hasattr(value, "values_list"):
        return sorted(value.values_list("pk", flat=True))
    return value


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    fieldsets = (*BaseUserAdmin.fieldsets, ("联系方式", {"fields": ("phone", "display_name")}))
    list_display = ("username", "display_name", "email", "phone", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email", "phone")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in PRIVILEGE_FIELDS if name in form.changed_data]
        if changed:
            security.record_privilege_change(
                by=request.user,
                user=obj,
                changes={name: _plain(form.cleaned_data.get(name)) for name in changed},
                origin=origin(request),
            )


class AdminLoginView(SecondStepMixin, auth_views.LoginView):
    """The admin's own sign-in page, with the site's second step and audit (``SecondStepMixin``)."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"


def admin_login(request, extra_context=None):
    """``AdminSite.login`` with ``AdminLoginView``: a staff user without the second step gets no admin."""
    if request.method == "GET" and admin.site.has_permission(request):
        return redirect(reverse("admin:index", current_app=admin.site.name))
    context = {
        **admin.site.each_context(request),
        "title": gettext("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=admin.site.name)
    context.update(extra_context or {})
    request.current_app = admin.site.name
    return AdminLoginView.as_view(extra_context=context)(request)


admin.site.login = admin_login
