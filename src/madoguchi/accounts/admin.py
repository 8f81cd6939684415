"""Admin pages for accounts. Memberships and admin rights change only through the audited
services (accounts/memberships.py), which also end the user's sessions."""

from django.contrib import admin

from madoguchi.accounts import memberships, totp
from madoguchi.accounts.models import Department, Membership, Organization, Passkey, TotpDevice, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "display_name", "is_active", "is_superuser")
    search_fields = ("email", "display_name")
    fields = ("email", "display_name", "is_active", "is_staff", "is_superuser", "preferred_language")

    def save_model(self, request, obj, form, change):
        rights = {"is_superuser": obj.is_superuser, "is_staff": obj.is_staff}
        if change:
            obj.is_superuser, obj.is_staff = form.initial["is_superuser"], form.initial["is_staff"]
        super().save_model(request, obj, form, change)
        memberships.user_admin_rights_set(user=obj, actor=request.user, **rights)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "department", "role")
    list_filter = ("organization", "role")
    search_fields = ("user__email",)

    def has_change_permission(self, request, obj=None):
        return False  # revoke and grant instead: each is one audited step

    def save_model(self, request, obj, form, change):
        granted = memberships.membership_grant(
            user=obj.user,
            organization=obj.organization,
            department=obj.department,
            role=obj.role,
            actor=request.user,
        )
        obj.pk = granted.pk

    def delete_model(self, request, obj):
        memberships.membership_revoke(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            memberships.membership_revoke(membership=membership, actor=request.user)


admin.site.register(Organization)
admin.site.register(Department)


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Remove a lost authenticator: the user enrols a new one at the next sign-in."""

    list_display = ("user", "confirmed_at")
    search_fields = ("user__email",)
    fields = ("user", "confirmed_at")
    readonly_fields = ("user", "confirmed_at")

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        totp.totp_remove(user=obj.user, actor=request.user)

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            totp.totp_remove(user=device.user, actor=request.user)


@admin.register(Passkey)
class PasskeyAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at")
    search_fields = ("user__email",)
    fields = ("user", "name", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
