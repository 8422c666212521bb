from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every table records when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Moderation(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden by the moderators")
    REMOVED = "removed", _("Removed by the moderators")


class Moderated(models.Model):
    """Content moderators can act on: hidden or removed content stays in the database (an
    appeal may bring it back) but only its author sees it, labelled; a "disputed" note is shown
    wherever the content appears."""

    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE
    )
    disputed_note = models.TextField(_("context note"), max_length=2000, blank=True)

    class Meta:
        abstract = True

    @property
    def is_shown(self) -> bool:
        return self.moderation == Moderation.VISIBLE


def shown_q(user: object, author_field: str = "author") -> Q:
    """Rows anyone may see (visible), plus what `user` wrote whatever its state: an author
    keeps seeing their hidden content, with the moderators' reason."""
    shown = Q(moderation=Moderation.VISIBLE)
    if getattr(user, "is_authenticated", False):
        shown |= Q(**{author_field: user})
    return shown
