"""What the communities domain holds about a person, for export and account deletion."""

from typing import Any

from essaim.accounts.models import User
from essaim.communities.models import Comment, CommunityFollow, Membership, Post, PostReaction


def export(user: User) -> dict[str, Any]:
    return {
        "memberships": [
            {
                "community": m.community.name,
                "role": m.role,
                "status": m.status,
                "since": m.created_at.isoformat(),
            }
            for m in Membership.objects.filter(user=user).select_related("community")
        ],
        "followed_communities": [
            f.community.name
            for f in CommunityFollow.objects.filter(user=user).select_related("community")
        ],
        "posts": [
            {"community": p.community.name, "body": p.body, "created_at": p.created_at.isoformat()}
            for p in Post.objects.filter(author=user).select_related("community").order_by("pk")
        ],
        "comments": [
            {"post": c.post_id, "body": c.body, "created_at": c.created_at.isoformat()}
            for c in Comment.objects.filter(author=user).order_by("pk")
        ],
        "likes": list(PostReaction.objects.filter(user=user).values_list("post_id", flat=True)),
    }


def erase(user: User) -> None:
    """Likes, follows and memberships go; posts and comments stay under the anonymised name.

    An owner's membership goes too: a community left without owner is handed to its oldest
    moderator, else its oldest member, so that it stays manageable.
    """
    PostReaction.objects.filter(user=user).delete()
    CommunityFollow.objects.filter(user=user).delete()
    owned = list(
        Membership.objects.filter(user=user, role=Membership.Role.OWNER).values_list(
            "community_id", flat=True
        )
    )
    Membership.objects.filter(user=user).delete()
    for community_id in owned:
        others = Membership.objects.filter(
            community_id=community_id, status=Membership.Status.ACTIVE
        )
        if others.filter(role=Membership.Role.OWNER).exists():
            continue
        heir = (
            others.filter(role=Membership.Role.MODERATOR).order_by("created_at").first()
            or others.order_by("created_at").first()
        )
        if heir is not None:
            heir.role = Membership.Role.OWNER
            heir.save(update_fields=["role", "updated_at"])
