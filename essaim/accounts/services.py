"""Writes on people: creation, profile, follows, sanctions, export, deletion."""

import secrets
from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from essaim.accounts import personal_data
from essaim.accounts.events import FEDERATION_CHANGED, PROFILE_CHANGED
from essaim.accounts.models import User, UserFollow, canonical_email, guest_handle
from essaim.core import names
from essaim.core.errors import NotFound, PermissionDenied, ValidationError
from essaim.core.geocoding import locate
from essaim.core.images import extension_for
from essaim.core.writes import insert_or_get

# Shown in place of a deleted person's name, in both languages since it is stored once.
DELETED_DISPLAY_NAME = "Compte supprimé · Deleted account"


def require_good_standing(user: User) -> None:
    """A suspended person reads but does not take part until the date: every service that
    writes on someone's behalf (sign, join, check in, RSVP, give, follow, like, publish)
    asks here, so the pages, htmx and the API refuse alike. Withdrawing (unsign, leave,
    cancel, unfollow) and one's own data (export, deletion) stay open."""
    if user.is_suspended:
        assert user.suspended_until is not None
        until = formats.date_format(timezone.localtime(user.suspended_until), "DATETIME_FORMAT")
        raise PermissionDenied(
            _("Your account is suspended until %(date)s: you cannot take part until then.")
            % {"date": until}
        )


def guest_for(*, email: str, display_name: str, language: str = "fr") -> tuple[User, bool]:
    """The person an address belongs to, for a one-step action without an account, and
    whether they are new: the account or guest its canonical form (aliases folded,
    `canonical_email`) already names, unchanged, else a new guest — no password, not
    verified, named as they typed, with a handle written without a look (`guest_handle`).

    The insert comes first and the read only when it conflicts (`insert_or_get`): in a spike
    nearly every address is new, and the read it spares costs more than the insert. Two
    posts racing with the same address get the same row (the unique canonical address)."""
    canonical = canonical_email(email)
    for _attempt in range(5):
        guest = User(
            email=email.strip(),
            email_canonical=canonical,
            display_name=display_name.strip()[:80],
            handle=guest_handle(display_name),
            language=language,
            is_guest=True,
        )
        guest.set_unusable_password()
        try:
            return insert_or_get(guest, unique=["email_canonical"])
        except IntegrityError:
            # Refused, and still no row holds the address after `insert_or_get`'s attempts:
            # the handle clashed (rare: six hex digits per name). Another suffix.
            continue
    raise IntegrityError("could not record the guest")


def address_confirm(*, user: User) -> None:
    """The owner of `user`'s address proved it (a guest's confirmation link): the address is
    verified, so a later password reset or log-in needs no other proof. An address another
    account verified (kept from before it had one address only) is that account's: refused."""
    if (
        EmailAddress.objects.filter(email__iexact=user.email, verified=True)
        .exclude(user=user)
        .exists()
    ):
        raise ValidationError(_("This address belongs to an account: log in to take part."))
    address, _created = EmailAddress.objects.get_or_create(
        user=user,
        email=user.email,
        defaults={
            "verified": True,
            "primary": not EmailAddress.objects.filter(user=user, primary=True).exists(),
        },
    )
    if not address.verified:
        EmailAddress.objects.filter(pk=address.pk).update(verified=True)


def address_take(*, user: User, email: str) -> None:
    """`user` proved `email` and makes it their address (changing it, through allauth's
    verification). The address is who a person is, so whoever its canonical form names now
    gives it up, if they can: a guest who never proved it (someone typed it in a form, no one
    confirmed) is forgotten as the expiry would forget them, their pending actions with them,
    never counted. Anyone else, an account or a guest who proved it, keeps it: refused."""
    holder = User.objects.filter(email_canonical=canonical_email(email)).exclude(pk=user.pk).first()
    if holder is not None and not guests_forget(user_ids=[holder.pk]):
        raise ValidationError(_("This address is already another person's."))


def guests_forget(*, user_ids: list[int]) -> int:
    """Erase the guests among `user_ids` who never proved their address (no password, no
    verified address): their pending actions expired, and a name and an address nobody
    confirmed are not kept. The row stays, anonymised like a deleted account, because links
    and referrals may point at it. Accounts and confirmed guests are left alone."""
    unproved = (
        User.objects.filter(pk__in=user_ids, is_guest=True, deleted_at__isnull=True)
        .exclude(emailaddress__verified=True)
        .order_by("pk")
    )
    forgotten = 0
    for guest in unproved:
        if guest.has_usable_password():
            continue
        user_delete(user=guest)
        forgotten += 1
    return forgotten


def home_area_set(*, user: User, home_area: str) -> User:
    """The person's private home area: a commune or a postcode the offline geocoder knows
    (else a ValidationError saying so), or "" to forget it."""
    home_area = home_area.strip()
    if not home_area:
        user.home_area, user.home_latitude, user.home_longitude = "", None, None
    else:
        found = locate(home_area)
        user.home_area = (
            f"{found.postcode} {found.commune}".strip() if found.postcode else found.commune
        )
        user.home_latitude, user.home_longitude = found.latitude, found.longitude
    user.save(update_fields=["home_area", "home_latitude", "home_longitude"])
    return user


def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    city: str,
    language: str,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
) -> User:
    display_name = display_name.strip()
    if not display_name:
        raise ValidationError(_("Please enter a display name."))
    shown_changed = (user.display_name, user.bio) != (display_name, bio.strip())
    user.display_name = display_name
    user.bio = bio.strip()
    user.city = city.strip()
    user.language = language
    old_avatar = user.avatar.name if user.avatar else ""
    if avatar is not None:
        user.avatar.save(
            f"{user.handle}-{secrets.token_hex(4)}.{extension_for(avatar)}", avatar, save=False
        )
    elif remove_avatar:
        user.avatar = None
    with transaction.atomic():
        user.save()
        if shown_changed and user.federated_at is not None:
            PROFILE_CHANGED.publish(user_id=user.pk)
    if old_avatar and old_avatar != (user.avatar.name if user.avatar else ""):
        user.avatar.storage.delete(old_avatar)
    return user


def user_follow(*, follower: User, followed: User) -> bool:
    """Follow `followed`; True when this call created the follow (repeating it is harmless)."""
    require_good_standing(follower)
    if follower.pk == followed.pk:
        raise ValidationError(_("You cannot follow yourself."))
    if not followed.is_active or followed.deleted_at is not None:
        raise NotFound(_("This person does not exist."))
    _follow, created = UserFollow.objects.get_or_create(follower=follower, followed=followed)
    return created


def user_unfollow(*, follower: User, followed: User) -> bool:
    deleted, _rows = UserFollow.objects.filter(follower=follower, followed=followed).delete()
    return deleted > 0


def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied(_("Only the instance's admins can do this."))


def user_suspend(*, actor: User, user: User, until: datetime) -> User:
    """An admin suspends `user` until a date: they read but cannot write (moderation's
    screening refuses their texts). Suspending again sets the new date."""
    _require_admin(actor)
    if until <= timezone.now():
        raise ValidationError(_("A suspension ends in the future."))
    User.objects.filter(pk=user.pk).update(suspended_until=until)
    user.suspended_until = until
    return user


def user_unsuspend(*, actor: User, user: User) -> User:
    _require_admin(actor)
    User.objects.filter(pk=user.pk).update(suspended_until=None)
    user.suspended_until = None
    return user


def user_ban(*, actor: User, user: User) -> User:
    """An admin bans `user` from the instance: inactive, they can no longer log in and their
    sessions stop authenticating. Banning again keeps the first date."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot ban yourself."))
    User.objects.filter(pk=user.pk).update(
        banned_at=Coalesce("banned_at", Value(timezone.now())), is_active=False
    )
    user.refresh_from_db(fields=["banned_at", "is_active"])
    return user


def user_unban(*, actor: User, user: User) -> User:
    _require_admin(actor)
    User.objects.filter(pk=user.pk).update(banned_at=None, is_active=True)
    user.banned_at, user.is_active = None, True
    return user


def user_export(user: User) -> dict[str, Any]:
    """Everything Essaim holds about `user`, for the person themselves (JSON-serialisable)."""
    return {
        "format": "essaim-export-1",
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "handle": user.handle,
            "display_name": user.display_name,
            "bio": user.bio,
            "city": user.city,
            "home_area": user.home_area,
            "language": user.language,
            "avatar": user.avatar.url if user.avatar else None,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "on_the_fediverse_since": user.federated_at.isoformat() if user.federated_at else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        },
        "following": [
            {
                "handle": link.followed.handle,
                "display_name": link.followed.display_name,
                "since": link.created_at.isoformat(),
            }
            for link in user.following_links.select_related("followed").order_by("pk")
        ],
        "followers": [
            {"handle": link.follower.handle, "display_name": link.follower.display_name}
            for link in user.follower_links.select_related("follower").order_by("pk")
        ],
        **personal_data.export_for(user),
    }


def user_federation_set(*, user: User, federated: bool) -> User:
    """Opt in to the fediverse or out of it. In: the person's handle becomes `acct:handle@host`
    and their profile an actor, unless a community already holds that name (the one namespace,
    `core.names`). Out: the actor is gone (410) and the servers that follow it are told to
    delete it; what they copied is theirs, which the settings page says before one opts in.
    Asking for the state one is in changes nothing."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if federated == (locked.federated_at is not None):
            return locked
        if federated:
            require_good_standing(locked)
            if locked.is_guest:
                raise PermissionDenied(_("Choose a password first."))
            if names.is_taken_elsewhere(locked.handle):
                raise ValidationError(
                    _("A community already has the name %(handle)s on the fediverse.")
                    % {"handle": locked.handle}
                )
            locked.federated_at = timezone.now()
        else:
            locked.federated_at = None
        locked.save(update_fields=["federated_at"])
        FEDERATION_CHANGED.publish(user_id=locked.pk, handle=locked.handle, federated=federated)
    user.federated_at = locked.federated_at
    return locked


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account: personal data goes, content others rely on stays, anonymised.

    The row itself stays (posts, listings and messages point at it) but holds nothing that
    identifies the person: a random handle, a placeholder name, an unreachable address.
    """
    if user.federated_at is not None:
        # Under the handle the actor was named by, before it is replaced below.
        FEDERATION_CHANGED.publish(user_id=user.pk, handle=user.handle, federated=False)
        user.federated_at = None
    personal_data.erase_for(user)
    UserFollow.objects.filter(follower=user).delete()
    UserFollow.objects.filter(followed=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    avatar_name = user.avatar.name if user.avatar else ""
    user.email = f"deleted-{user.pk}-{secrets.token_hex(4)}@deleted.invalid"
    user.handle = f"deleted-{secrets.token_hex(6)}"
    user.display_name = DELETED_DISPLAY_NAME
    user.bio = ""
    user.city = ""
    user.home_area, user.home_latitude, user.home_longitude = "", None, None
    user.avatar = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    if avatar_name:
        transaction.on_commit(lambda: user.avatar.storage.delete(avatar_name))
    # No session survives: Django checks each session against the password hash, which
    # set_unusable_password() has just replaced, and the account is inactive.
