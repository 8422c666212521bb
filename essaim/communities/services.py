"""Writes on communities. Every function checks its own permission: views only translate."""

import secrets

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.screening import admit, content_admitted
from essaim.accounts.services import require_good_standing
from essaim.communities import permissions
from essaim.communities.events import POST_CHANGED
from essaim.communities.models import (
    Comment,
    Community,
    CommunityFollow,
    Membership,
    Post,
    PostReaction,
    new_invitation_token,
)
from essaim.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from essaim.core.geocoding import place_fields
from essaim.core.images import cover_replace
from essaim.core.models import Moderation
from essaim.core.reportable import moderation_set
from essaim.core.writes import insert_or_get

# Addresses that would shadow the communities/ URLs.
RESERVED_SLUGS = frozenset({"new", "join"})


def _free_slug(name: str) -> str:
    base = (slugify(name) or "communaute")[:50]
    candidate = base
    # One namespace with people's handles (core.names): a handle is never a community's name.
    while (
        candidate in RESERVED_SLUGS
        or Community.objects.filter(slug=candidate).exists()
        or User.objects.filter(handle=candidate).exists()
    ):
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


@transaction.atomic
def community_create(
    *,
    creator: User,
    name: str,
    description: str = "",
    charter: str = "",
    visibility: str = Community.Visibility.PUBLIC,
    join_mode: str = Community.JoinMode.OPEN,
    city: str = "",
    cover: UploadedFile | None = None,
    cover_alt: str = "",
) -> Community:
    """Create a community; its creator is its first owner. The address comes from the name,
    with a random suffix when taken (also when two people create the same name at once)."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Please give the community a name."))
    _check_choices(visibility=visibility, join_mode=join_mode)
    fields = {
        "name": name,
        "description": description.strip(),
        "charter": charter.strip(),
        "visibility": visibility,
        "join_mode": join_mode,
        "city": city.strip(),
        "cover_alt": cover_alt.strip(),
        **place_fields(city),
        "created_by": creator,
    }
    for _attempt in range(5):
        try:
            with transaction.atomic():
                community = Community.objects.create(slug=_free_slug(name), **fields)
            break
        except IntegrityError:
            # Another request took the same address between the check and the insert.
            continue
    else:
        raise Conflict(_("Please try again."))
    Membership.objects.create(community=community, user=creator, role=Membership.Role.OWNER)
    if cover is not None:
        cover_replace(community, cover, stem=community.slug)
        community.save(update_fields=["cover"])
    return community


def _check_choices(*, visibility: str, join_mode: str) -> None:
    if visibility not in Community.Visibility.values:
        raise ValidationError(_("Unknown visibility."))
    if join_mode not in Community.JoinMode.values:
        raise ValidationError(_("Unknown way of joining."))


@transaction.atomic
def community_update(
    *,
    actor: User,
    community: Community,
    name: str,
    description: str,
    charter: str,
    visibility: str,
    join_mode: str,
    city: str,
    cover: UploadedFile | None = None,
    cover_alt: str | None = None,
) -> Community:
    if not permissions.can_edit(permissions.membership_of(actor, community)):
        raise PermissionDenied(_("Only the community's owners and moderators can edit it."))
    if not name.strip():
        raise ValidationError(_("Please give the community a name."))
    _check_choices(visibility=visibility, join_mode=join_mode)
    community.name = name.strip()
    community.description = description.strip()
    community.charter = charter.strip()
    community.visibility = visibility
    community.join_mode = join_mode
    community.city = city.strip()
    if cover_alt is not None:
        community.cover_alt = cover_alt.strip()
    if cover is not None:
        cover_replace(community, cover, stem=community.slug)
    for field, value in place_fields(city).items():
        setattr(community, field, value)
    community.save()
    return community


def _holds_invitation(community: Community, token: str | None) -> bool:
    # Constant-time: the comparison must not tell how much of a guessed token is right.
    return bool(token) and secrets.compare_digest(
        (token or "").encode(), community.invitation_token.encode()
    )


def community_join(*, user: User, community: Community, token: str | None = None) -> Membership:
    """Join as the community's join mode allows: open → member at once; on approval → a
    pending request; by invitation → only with the current invitation token. A valid token
    also lets people in without approval, and activates a request already waiting.
    Repeating it returns the same membership (the unique constraint settles double clicks)."""
    require_good_standing(user)
    invited = _holds_invitation(community, token)
    existing = permissions.membership_of(user, community)
    if existing is not None:
        if invited and existing.status == Membership.Status.PENDING:
            Membership.objects.filter(pk=existing.pk).update(status=Membership.Status.ACTIVE)
            existing.refresh_from_db()
        return existing
    if community.join_mode == Community.JoinMode.INVITATION and not invited:
        raise PermissionDenied(_("This community can only be joined with an invitation link."))
    if community.join_mode == Community.JoinMode.APPROVAL and not invited:
        status = Membership.Status.PENDING
    else:
        status = Membership.Status.ACTIVE
    # A double click racing this one: the first request's membership stands.
    membership, _created = insert_or_get(
        Membership(community=community, user=user, status=status), unique=["community", "user"]
    )
    return membership


def _owner_count(community: Community) -> int:
    return Membership.objects.filter(
        community=community, role=Membership.Role.OWNER, status=Membership.Status.ACTIVE
    ).count()


@transaction.atomic
def community_leave(*, user: User, community: Community) -> None:
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is None:
        return
    if membership.status == Membership.Status.BANNED:
        # Leaving would erase the ban and let them join again.
        raise PermissionDenied(_("You are banned from this community."))
    if membership.role == Membership.Role.OWNER and _owner_count(community) <= 1:
        raise ValidationError(
            _("You are the last owner: make someone else owner before you leave.")
        )
    membership.delete()


def _managed_membership(*, actor: User, membership: Membership, roles_only: bool) -> None:
    actor_membership = permissions.membership_of(actor, membership.community)
    allowed = (
        permissions.can_manage_roles(actor_membership)
        if roles_only
        else permissions.can_moderate(actor_membership)
    )
    if not allowed:
        if not permissions.can_view_content(membership.community, actor_membership):
            raise NotFound(_("This community does not exist."))
        raise PermissionDenied(
            _("Only owners can change roles.") if roles_only else _("Only moderators can do this.")
        )


def membership_approve(*, actor: User, membership: Membership) -> Membership:
    _managed_membership(actor=actor, membership=membership, roles_only=False)
    if membership.status != Membership.Status.ACTIVE:
        membership.status = Membership.Status.ACTIVE
        membership.save(update_fields=["status", "updated_at"])
    return membership


def membership_decline(*, actor: User, membership: Membership) -> None:
    _managed_membership(actor=actor, membership=membership, roles_only=False)
    if membership.status == Membership.Status.PENDING:
        membership.delete()


@transaction.atomic
def role_set(*, actor: User, membership: Membership, role: str) -> Membership:
    """Owners promote and demote; the community always keeps at least one owner."""
    _managed_membership(actor=actor, membership=membership, roles_only=True)
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    # Lock the owners (and the target) so two owners demoting each other cannot leave none;
    # the target's role is read again under the lock.
    list(
        Membership.objects.select_for_update().filter(
            Q(role=Membership.Role.OWNER) | Q(pk=membership.pk), community=membership.community
        )
    )
    try:
        membership.refresh_from_db(fields=["role", "status"])
    except Membership.DoesNotExist as error:
        raise NotFound(_("This person is not in the community.")) from error
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("Approve this person before giving them a role."))
    if (
        membership.role == Membership.Role.OWNER
        and role != Membership.Role.OWNER
        and _owner_count(membership.community) <= 1
    ):
        raise ValidationError(_("A community needs at least one owner."))
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


def _require_moderator(actor: User, community: Community) -> None:
    """Community sanctions: its owners and moderators, and the instance's admins."""
    if actor.is_active and actor.is_staff:
        return
    if not permissions.can_moderate(permissions.membership_of(actor, community)):
        raise PermissionDenied(_("You do not moderate this community."))


@transaction.atomic
def community_ban(*, actor: User, community: Community, user: User) -> Membership:
    """Ban `user` from `community`: a member loses their role, a non-member gets a banned
    membership, so joining again stays refused. Banning twice changes nothing."""
    _require_moderator(actor, community)
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot ban yourself."))
    membership, _created = Membership.objects.select_for_update().get_or_create(
        community=community, user=user, defaults={"status": Membership.Status.BANNED}
    )
    if membership.status != Membership.Status.BANNED or membership.role != Membership.Role.MEMBER:
        membership.status, membership.role = Membership.Status.BANNED, Membership.Role.MEMBER
        membership.save(update_fields=["status", "role", "updated_at"])
    return membership


def community_unban(*, actor: User, community: Community, user: User) -> None:
    """Lift a ban: the person is a member again (an ordinary one)."""
    _require_moderator(actor, community)
    Membership.objects.filter(
        community=community, user=user, status=Membership.Status.BANNED
    ).update(status=Membership.Status.ACTIVE)


def invitation_rotate(*, actor: User, community: Community) -> str:
    if not permissions.can_manage_roles(permissions.membership_of(actor, community)):
        raise PermissionDenied(_("Only owners can renew the invitation link."))
    community.invitation_token = new_invitation_token()
    community.save(update_fields=["invitation_token", "updated_at"])
    return community.invitation_token


def community_follow(*, user: User, community: Community) -> None:
    require_good_standing(user)
    if not permissions.can_view_content(community, permissions.membership_of(user, community)):
        raise NotFound(_("This community does not exist."))
    CommunityFollow.objects.get_or_create(user=user, community=community)


def community_unfollow(*, user: User, community: Community) -> None:
    CommunityFollow.objects.filter(user=user, community=community).delete()


def post_create(*, author: User, community: Community, body: str) -> Post:
    membership = permissions.membership_of(author, community)
    if not permissions.can_post(membership):
        if not permissions.can_view_content(community, membership):
            raise NotFound(_("This community does not exist."))
        raise PermissionDenied(_("Join the community to post in it."))
    body = body.strip()
    if not body:
        raise ValidationError(_("Your message is empty."))
    admission = admit(author=author, texts=[body])
    with transaction.atomic():
        post = Post.objects.create(
            author=author, community=community, body=body, moderation=admission.state
        )
        content_admitted(post, admission)
        if post.moderation == Moderation.VISIBLE:
            POST_CHANGED.publish(post_id=post.pk, community_id=community.pk, change="created")
    return post


def post_delete(*, actor: User, post: Post) -> None:
    membership = permissions.membership_of(actor, post.community)
    if not permissions.can_delete_post(actor, post.author_id, membership):
        raise PermissionDenied(_("Only the author or a moderator can delete this post."))
    with transaction.atomic():
        POST_CHANGED.publish(post_id=post.pk, community_id=post.community_id, change="deleted")
        post.delete()


def post_moderation_set(post: Post, state: str, only_from: str | None = None) -> bool:
    """Moderation's write on a post (its reportable `set_state`): the state, and what that
    means beyond this instance, announced in the same transaction. A post held by screening
    and approved, or hidden and restored, is published then ("created"); a visible post
    hidden or removed is withdrawn ("deleted")."""
    with transaction.atomic():
        was = (
            Post.objects.select_for_update()
            .filter(pk=post.pk)
            .values_list("moderation", flat=True)
            .first()
        )
        changed = moderation_set(post, state, only_from)
        if changed and was != state:
            if state == Moderation.VISIBLE:
                POST_CHANGED.publish(
                    post_id=post.pk, community_id=post.community_id, change="created"
                )
            elif was == Moderation.VISIBLE:
                POST_CHANGED.publish(
                    post_id=post.pk, community_id=post.community_id, change="deleted"
                )
    return changed


def comment_create(*, author: User, post: Post, body: str, federated: bool = False) -> Comment:
    """A comment by a member; or, `federated`, a reply from another server (its author the
    remote person's stand-in account) to a post of a public community, which any one not
    banned from it may write. Both pass the same screening."""
    membership = permissions.membership_of(author, post.community)
    if federated:
        if post.community.is_private:
            raise NotFound(_("This post does not exist."))
        if membership is not None and membership.status == Membership.Status.BANNED:
            raise PermissionDenied(_("Join the community to comment."))
    elif not permissions.can_post(membership):
        if not permissions.can_view_content(post.community, membership):
            raise NotFound(_("This post does not exist."))
        raise PermissionDenied(_("Join the community to comment."))
    body = body.strip()
    if not body:
        raise ValidationError(_("Your comment is empty."))
    admission = admit(author=author, texts=[body])
    comment = Comment.objects.create(
        author=author, post=post, body=body, moderation=admission.state
    )
    content_admitted(comment, admission)
    return comment


def comment_delete(*, actor: User, comment: Comment) -> None:
    membership = permissions.membership_of(actor, comment.post.community)
    if not permissions.can_delete_post(actor, comment.author_id, membership):
        raise PermissionDenied(_("Only the author or a moderator can delete this comment."))
    comment.delete()


def post_like(*, user: User, post: Post) -> None:
    """Like a post the person can see; liking twice is still one like."""
    require_good_standing(user)
    if not permissions.can_view_content(
        post.community, permissions.membership_of(user, post.community)
    ):
        raise NotFound(_("This post does not exist."))
    PostReaction.objects.get_or_create(user=user, post=post)


def post_unlike(*, user: User, post: Post) -> None:
    PostReaction.objects.filter(user=user, post=post).delete()
