from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("联系方式", {"fields": ("phone", "display_name")}))
    list_display = ("username", "display_name", "email", "phone", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email", "phone")
