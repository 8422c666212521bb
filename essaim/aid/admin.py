from django.contrib import admin

from essaim.aid.models import AidListing


@admin.register(AidListing)
class AidListingAdmin(admin.ModelAdmin[AidListing]):
    list_display = ("title", "kind", "category", "status", "community", "author", "created_at")
    list_filter = ("kind", "category", "status")
    search_fields = ("title", "body", "place")
    raw_id_fields = ("author", "community")
