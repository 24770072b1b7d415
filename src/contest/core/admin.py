from django.contrib import admin

from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the chain is appended by services and verified by `manage.py verify_audit`."""

    list_display = ("seq", "created_at", "actor_label", "action", "object_type", "object_id", "short_hash")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_id", "actor_label", "hash")
    ordering = ("-seq",)
    readonly_fields = [f.name for f in AuditRecord._meta.fields]

    @admin.display(description="哈希")
    def short_hash(self, obj: AuditRecord) -> str:
        return obj.hash[:12]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
