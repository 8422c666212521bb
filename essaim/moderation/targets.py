"""What can be reported, seen from moderation: each kind's author, community, words and
address, and whether a given person may see it (one may only report what one can see)."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.core.errors import NotFound
from essaim.moderation.models import KINDS


def model_of(kind: str) -> type[Model]:
    if kind not in KINDS:
        raise NotFound(_("This cannot be reported."))
    app, model = KINDS[kind]
    found = ContentType.objects.get_by_natural_key(app, model).model_class()
    assert found is not None
    return found


def visible_target(*, kind: str, pk: int, user: User) -> Any:
    """The object `user` wants to report, if they can see it; NotFound otherwise."""
    from essaim.aid.selectors import listing_get_for
    from essaim.campaigns.models import Campaign
    from essaim.campaigns.permissions import can_view
    from essaim.communities import permissions as community_permissions
    from essaim.communities.models import Comment, Post
    from essaim.messaging.models import Message

    missing = NotFound(_("This content does not exist."))
    if kind == "post":
        post = Post.objects.select_related("community", "author").filter(pk=pk).first()
        if post is None or not community_permissions.can_view_content(
            post.community, community_permissions.membership_of(user, post.community)
        ):
            raise missing
        return post
    if kind == "comment":
        comment = Comment.objects.select_related("post__community", "author").filter(pk=pk).first()
        if comment is None:
            raise missing
        community = comment.post.community
        if not community_permissions.can_view_content(
            community, community_permissions.membership_of(user, community)
        ):
            raise missing
        return comment
    if kind == "listing":
        return listing_get_for(pk=pk, user=user)
    if kind == "campaign":
        campaign = Campaign.objects.filter(pk=pk).first()
        if campaign is None or not can_view(user, campaign):
            raise missing
        return campaign
    if kind == "message":
        # Only someone the message was written to can report it.
        message = (
            Message.objects.select_related("sender")
            .filter(pk=pk, conversation__participants__user=user)
            .exclude(sender=user)
            .first()
        )
        if message is None:
            raise missing
        return message
    if kind == "person":
        person = User.objects.filter(pk=pk, is_active=True).first()
        if person is None:
            raise missing
        return person
    raise missing


def author_of(target: Any) -> User:
    if isinstance(target, User):
        return target
    for field in ("author", "sender", "created_by"):
        if hasattr(target, field):
            person = getattr(target, field)
            assert isinstance(person, User)
            return person
    raise TypeError(f"no author for {target!r}")


def community_of(target: Any) -> Any:
    """The community whose moderators handle it, or None for the instance's admins."""
    from essaim.aid.models import AidListing
    from essaim.communities.models import Comment, Post

    if isinstance(target, Post):
        return target.community
    if isinstance(target, Comment):
        return target.post.community
    if isinstance(target, AidListing):
        return target.community
    return None


def words_of(target: Any) -> str:
    if isinstance(target, User):
        return f"{target.display_name} — {target.bio}"[:1000]
    parts = [getattr(target, name, "") for name in ("title", "summary", "body")]
    return "\n".join(part for part in parts if part)[:1000]


def url_of(target: Any) -> str:
    """Where moderators can see it in place (a private message has no public address)."""
    from essaim.communities.models import Comment
    from essaim.messaging.models import Message

    if isinstance(target, Comment):
        return f"{target.post.get_absolute_url()}#comment-{target.pk}"
    if isinstance(target, Message):
        return ""
    return str(target.get_absolute_url())


def describe(target: Any) -> str:
    """A few words for the logs: "a comment by Inès", "the person Karim"."""
    from essaim.moderation.models import KIND_OF_MODEL

    kind = KIND_OF_MODEL.get(target._meta.model_name, "")
    names = {
        "post": _("a post by %(name)s"),
        "comment": _("a comment by %(name)s"),
        "listing": _("a listing by %(name)s"),
        "campaign": _("a campaign by %(name)s"),
        "message": _("a message by %(name)s"),
        "person": _("the person %(name)s"),
    }
    return names.get(kind, "%(name)s") % {"name": author_of(target).display_name}
