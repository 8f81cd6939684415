from django.contrib import admin

from madoguchi.accounts.models import Department, Membership, Organization, User

admin.site.register(User)
admin.site.register(Organization)
admin.site.register(Department)
admin.site.register(Membership)
