"""Imported follower graphs, and the planner's runs for a campaign's hosts."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel
from essaim.reach import failures


class ReachGraph(BaseModel):
    """A follower graph imported from an edge list (the platform's own follows are read
    fresh for each run); its arrays live in a file under REACH_DIR."""

    name = models.SlugField(max_length=80, unique=True)
    path = models.CharField(max_length=500)
    nodes = models.PositiveBigIntegerField()
    edges = models.PositiveBigIntegerField()
    source = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("follower graph")
        verbose_name_plural = _("follower graphs")

    def __str__(self) -> str:
        return self.name


class ReachPlan(BaseModel):
    """A question a host asked: how far would these relays reach, or which k should we ask?"""

    class Mode(models.TextChoices):
        OPTIMISE = "optimise", _("Find the best relays")
        ESTIMATE = "estimate", _("Estimate the reach of chosen relays")

    class Model(models.TextChoices):
        IC = "ic", _("Independent Cascade")
        LT = "lt", _("Linear Threshold")

    class Scope(models.TextChoices):
        FOLLOWERS = "followers", _("Among the campaign's followers")
        MINE = "mine", _("Among my followers")
        HOSTS = "hosts", _("Among the co-hosts")
        SHORTLIST = "shortlist", _("Among a shortlist")
        EVERYONE = "everyone", _("Among everyone")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="reach_plans"
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.OPTIMISE)
    model = models.CharField(
        _("diffusion model"), max_length=2, choices=Model.choices, default="ic"
    )
    k = models.PositiveSmallIntegerField(default=10)
    epsilon = models.FloatField(default=0.1)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.FOLLOWERS)
    exclude_relayed = models.BooleanField(default=True)
    # Handles: the relays to estimate, or the shortlist to choose from.
    handles = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # What the worker is doing (essaim.reach.planning.PHASES) and how many reverse-reachable
    # sets it has drawn so far, for the page to show while it waits.
    phase = models.CharField(max_length=12, blank=True)
    rr_sets = models.PositiveBigIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    # Why it failed, as a code with parameters (essaim.reach.failures) put into words in the
    # reader's language; `error` keeps words that have no code.
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reach plan")
        verbose_name_plural = _("reach plans")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"plan {self.pk} for {self.campaign_id}"

    @property
    def error_text(self) -> str:
        if self.error_code:
            return failures.failure_text(self.error_code, self.error_params) or self.error
        return self.error
