from django.contrib import admin

from essaim.communities.models import Comment, Community, Membership, Post


class MembershipInline(admin.TabularInline[Membership, Community]):
    model = Membership
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin[Community]):
    list_display = ("name", "city", "visibility", "join_mode", "created_at")
    list_filter = ("visibility", "join_mode")
    search_fields = ("name", "city")
    raw_id_fields = ("created_by",)
    inlines = (MembershipInline,)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    list_display = ("__str__", "community", "author", "created_at")
    raw_id_fields = ("author", "community")
    search_fields = ("body",)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ("__str__", "post", "author", "created_at")
    raw_id_fields = ("author", "post")
