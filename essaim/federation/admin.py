from django.contrib import admin
from django.http import HttpRequest

from essaim.federation import services
from essaim.federation.models import DomainBlock, Follower, RemoteActor


@admin.register(DomainBlock)
class DomainBlockAdmin(admin.ModelAdmin[DomainBlock]):
    list_display = ("domain", "reason", "created_at")
    search_fields = ("domain",)
    fields = ("domain", "reason")

    def save_model(
        self, request: HttpRequest, obj: DomainBlock, form: object, change: bool
    ) -> None:
        # Through the service: the server's followers go with the block.
        services.domain_block(
            actor=request.user,  # type: ignore[arg-type]
            domain=obj.domain,
            reason=obj.reason,
        )


@admin.register(RemoteActor)
class RemoteActorAdmin(admin.ModelAdmin[RemoteActor]):
    list_display = ("uri", "domain", "fetched_at")
    search_fields = ("uri", "domain")
    readonly_fields = ("uri", "domain", "inbox", "shared_inbox", "key_id", "fetched_at", "user")
    exclude = ("public_key_pem",)


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin[Follower]):
    list_display = ("community", "person", "actor", "created_at")
    list_select_related = ("community", "person", "actor")
    search_fields = ("actor__uri", "community__slug", "person__handle")
