import secrets
from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from essaim.core import names
from essaim.core.models import BaseModel

# Providers that deliver "j.e.a.n@" and "jean@" to the same mailbox.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_email(email: str) -> str:
    """One form per mailbox: lower case, no plus-tag, no dots where the provider ignores them."""
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


# Handles that would shadow the people/ URLs.
RESERVED_HANDLES = frozenset({"me", "settings", "export", "delete"})


def _handle_base(display_name: str) -> str:
    """What a handle is made from: the display name — never the e-mail address."""
    return (slugify(display_name) or "membre")[:30]


def free_handle(display_name: str) -> str:
    """A free public handle derived from the display name, checked against every name of
    the one namespace (`core.names`)."""
    base = _handle_base(display_name)
    candidate = base
    while (
        candidate in RESERVED_HANDLES
        or User.objects.filter(handle=candidate).exists()
        or names.is_taken_elsewhere(candidate)
    ):
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


def guest_handle(display_name: str) -> str:
    """A new guest's handle, written without a look (a spike of strangers is a spike of new
    guests): the name and a random suffix, so that the unique constraint refuses a clash only
    rarely (`services.guest_for` then tries another). The namespace shared with communities
    (`core.names`) names actors on the fediverse, which a guest cannot join: an account that
    opts in has its handle checked there (`services.user_federation_set`)."""
    return f"{_handle_base(display_name)}-{secrets.token_hex(3)}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def bulk_create(self, objs: Iterable["User"], *args: Any, **kwargs: Any) -> list["User"]:
        """Bulk creation (the demo, benchmarks) skips save(): the canonical address is derived
        here by the same rule, so an alias of a bulk-created address is still that account."""
        users = list(objs)
        for user in users:
            user.email_canonical = canonical_email(user.email) if user.email else None
        return super().bulk_create(users, *args, **kwargs)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person. The e-mail address is private: pages and APIs show `display_name` and `handle`."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    handle = models.SlugField(_("handle"), max_length=40, unique=True)
    display_name = models.CharField(_("display name"), max_length=80)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    # The home area (a commune or a postcode) and its commune's point: private, never shown to
    # anyone else nor in the API; "near me" searches start from it.
    home_area = models.CharField(_("home area"), max_length=80, blank=True)
    home_latitude = models.FloatField(null=True, blank=True)
    home_longitude = models.FloatField(null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The address with the aliases one mailbox answers to folded away (plus-tags; dots where
    # the provider ignores them): one person, one account, one signature.
    # NULL rather than "": accounts older than this field may share one, and the unique
    # constraint lets several NULLs be.
    email_canonical = models.CharField(  # noqa: DJ001
        max_length=254, unique=True, null=True, editable=False
    )
    # Sanctions: a suspended person reads but cannot write until the date; a banned one cannot
    # log in (is_active is cleared too).
    suspended_until = models.DateTimeField(null=True, blank=True)
    banned_at = models.DateTimeField(null=True, blank=True)
    # Came in through a one-step action (a signature with a name and an e-mail) and has no
    # password yet: no log-in, no public profile. Choosing a password (the "account already
    # exists" mail's reset link, or the form after a confirmation) makes it an account, the
    # same row, so everything the guest did is already theirs.
    is_guest = models.BooleanField(_("guest"), default=False)
    # Opted in to the fediverse (off unless the person chooses it): since then, their profile
    # is a `Person` actor and their public posts in public communities are signed with it.
    federated_at = models.DateTimeField(_("on the fediverse since"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # Profile links reverse the handle on every page; bulk writes skip save().
            models.CheckConstraint(condition=~models.Q(handle=""), name="user_handle_not_empty"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.handle

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"handle": self.handle})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # createsuperuser, the admin's add form, sign-up, a guest choosing a password and any
        # code building a User by hand all come here: every profile link reverses a handle, so
        # one is made when missing.
        update_fields = kwargs.get("update_fields")
        self.email_canonical = canonical_email(self.email) if self.email else None
        if update_fields is not None and "email" in update_fields:
            update_fields = kwargs["update_fields"] = {*update_fields, "email_canonical"}
        if self.handle:
            super().save(*args, **kwargs)
            return
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "handle"}
        for _attempt in range(5):
            self.handle = free_handle(self.display_name)
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                # The handle was free when looked at, but someone of the same name (a sign-up
                # in the same instant) took it before this row was written: take another.
                # Any other refusal (the address is another's) is the caller's to answer.
                if not User.objects.filter(handle=self.handle).exclude(pk=self.pk).exists():
                    raise
        raise IntegrityError("could not allocate a unique handle")

    @property
    def is_on_fediverse(self) -> bool:
        """Opted in, and an account that still is one (federation gives it a `Person`)."""
        return (
            self.federated_at is not None
            and self.is_active
            and self.deleted_at is None
            and not self.is_guest
        )

    @property
    def is_suspended(self) -> bool:
        from django.utils import timezone

        return self.suspended_until is not None and self.suspended_until > timezone.now()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class UserFollow(BaseModel):
    """`follower` sees what `followed` posts in their feed."""

    follower = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="following_links"
    )
    followed = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="follower_links"
    )

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="unique_user_follow"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="no_self_follow"
            ),
        ]
        indexes = [models.Index(fields=["followed", "follower"])]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followed_id}"
