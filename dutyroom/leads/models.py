"""Leads (线索), their verification, duplicates, watch lists and feeds (domain.md §5, notice §四).

A lead is what the city heard, from whom and when (server clock), kept in its raw form so the record of
"who knew first" can be re-read later. Verification runs on the obligation machinery: the lead keeps no
clock of its own, only the outcome.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dutyroom.common.choices import choices
from dutyroom.rules import LeadChannel


class LeadState(models.TextChoices):
    NEW = "new", _("待核实")
    VERIFYING = "verifying", _("核实中")
    CONFIRMED = "confirmed", _("属实")
    FALSE = "false", _("不实")
    DUPLICATE = "duplicate", _("重复")
    NOT_INCIDENT = "not_incident", _("非突发事件")


OPEN_LEAD_STATES = (LeadState.NEW, LeadState.VERIFYING)
OUTCOMES = (LeadState.CONFIRMED, LeadState.FALSE, LeadState.DUPLICATE, LeadState.NOT_INCIDENT)


class FeedSource(models.Model):
    """An RSS/Atom feed polled by the worker; its last error stays visible until a poll succeeds."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    channel = models.CharField(max_length=12, choices=choices(LeadChannel), default=LeadChannel.MEDIA)
    interval_seconds = models.PositiveIntegerField(default=300)
    active = models.BooleanField(default=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_poll_at = models.DateTimeField()
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)
    items_imported = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RawMessage(models.Model):
    """A message as it arrived (a CAP alert), kept once however many leads it filed: the evidence copy.

    ``body`` holds the bytes as received and ``encoding`` the one they were read in (a GB2312 or UTF-16
    message is not re-encoded, so the copy proves what was sent and ``text`` reads it back ungarbled). The
    digest makes a re-sent message file nothing new (``leads.intake.cap_import``)."""

    sha256 = models.CharField(max_length=64, unique=True)
    body = models.BinaryField()
    encoding = models.CharField(max_length=40)
    raw_type = models.CharField(max_length=40)
    infos = models.PositiveSmallIntegerField()  # how many leads the message files (one per CAP info block)
    sender = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.raw_type} {self.sha256[:12]}"

    @property
    def text(self) -> str:
        return bytes(self.body).decode(self.encoding)


class Lead(models.Model):
    channel = models.CharField(max_length=12, choices=choices(LeadChannel))
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    area = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField()
    #: who or what sent it: "user:grid-shaxi", "feed:新华日报", "cap:<sender>/<identifier>"
    source = models.CharField(max_length=300)
    sender = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    feed = models.ForeignKey(FeedSource, null=True, blank=True, on_delete=models.PROTECT, related_name="leads")
    raw = models.TextField(blank=True)
    raw_type = models.CharField(max_length=40, blank=True)
    #: a message that filed several leads is kept once, here, not copied into ``raw`` per lead
    raw_message = models.ForeignKey(RawMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="leads")
    category_hint = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=12, choices=LeadState.choices, default=LeadState.NEW)
    verifier_unit = models.ForeignKey("orgs.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    watch_level = models.PositiveSmallIntegerField(default=0)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome_reason = models.TextField(blank=True)
    verified_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    #: duplicate-scoring signature, stored at intake (``similarity.Signature``)
    shingles = models.TextField(blank=True, default="")
    kinds = models.CharField(max_length=100, blank=True, default="")
    #: distinct topic words (jieba), space-separated, stored at intake for hot words and bursts (``opinion``)
    words = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"]),
            models.Index(fields=["area", "received_at"]),
            models.Index(fields=["verifier_unit", "state"]),
            # the per-sender intake limit counts one sender's latest leads (``services.intake_limit_check``)
            models.Index(fields=["sender", "received_at"], name="lead_sender_received"),
        ]

    def __str__(self) -> str:
        return f"线索#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_LEAD_STATES

    @property
    def event_at(self) -> datetime:
        """When it happened if the sender said so, else when the city heard of it."""
        return self.occurred_at or self.received_at


class LeadPhoto(models.Model):
    """A photo stored outside every static path; served only through an access check."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="photos")
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()


class LeadVerifier(models.Model):
    """One verifier unit's clock on one lead (a media lead has two: propaganda and police)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="verifiers")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    obligation = models.OneToOneField("obligations.Obligation", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lead", "unit"], name="lead_verifier_once")]


class DuplicateState(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认重复")
    REJECTED = "rejected", _("不是重复")


class LeadDuplicate(models.Model):
    """A probable duplicate offered with its score; the duty officer confirms or rejects it."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="duplicates")
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    other = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    state = models.CharField(max_length=10, choices=DuplicateState.choices, default=DuplicateState.PROPOSED)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-score", "id"]


class IncidentSignature(models.Model):
    """An incident's duplicate-scoring signature, kept by the leads app (incidents sit below it and know
    nothing of scoring): written when the worker first sees a new incident, renewed when ``updated_at``
    moves. ``checked_at`` set = the incident has been offered its duplicates."""

    incident = models.OneToOneField("incidents.Incident", primary_key=True, on_delete=models.CASCADE, related_name="+")
    shingles = models.TextField(blank=True)
    kinds = models.CharField(max_length=100, blank=True)
    incident_updated_at = models.DateTimeField()
    checked_at = models.DateTimeField(null=True, blank=True)


class IncidentDuplicate(models.Model):
    """A new incident that probably repeats an open incident or lead, offered with its score."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    other_incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    other_lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    state = models.CharField(max_length=10, choices=DuplicateState.choices, default=DuplicateState.PROPOSED)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-score", "id"]


class EvidenceState(models.TextChoices):
    CANDIDATE = "candidate", _("待处理")
    RAISED = "raised", _("已提出")
    DISMISSED = "dismissed", _("已驳回")


class LeadEvidence(models.Model):
    """ "Who knew first": a duty room learned of an incident before a unit that owed it a report had reported.

    Stored when a confirmed lead becomes or joins an incident (the duty room that verified it learned from the
    lead: the city's, or a town's for its grid workers' leads), once for every unit on the chain of clocks up to
    that duty room that had not reported yet (``room`` is the duty room the unit owed, whose assessment the
    candidate is for); and, with no lead, when a town's duty room reported an incident to the city before the
    unit below it had reported it to the town (the town knew first). The assessment turns a candidate into a
    迟报/漏报 finding with one click (``kind`` says which: ``late`` if the unit had reported after, ``omitted``
    if it had not reported at all). ``lead_received_at`` is when the duty room learned (the lead's arrival, or
    the town's own report)."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="lead_evidence")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    lead_received_at = models.DateTimeField()
    first_report_at = models.DateTimeField(null=True, blank=True)
    obligation = models.ForeignKey(
        "obligations.Obligation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=[("late", "迟报"), ("omitted", "漏报")])
    state = models.CharField(max_length=10, choices=EvidenceState.choices, default=EvidenceState.CANDIDATE)
    created_at = models.DateTimeField()
    # The duty room that learned first and whose assessment the candidate belongs to: a town's code, or empty
    # for the city's (rows from before duty rooms below the city read the same).
    room = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "unit"], name="evidence_once_per_lead_and_unit"),
            models.UniqueConstraint(
                fields=["incident", "unit", "room"],
                condition=models.Q(lead__isnull=True),
                name="evidence_once_without_lead",
            ),
        ]


class WatchKind(models.TextChoices):
    KEYWORD = "keyword", _("关键词")
    PLACE = "place", _("地名")
    TOPIC = "topic", _("敏感话题")
    EVENT = "event", _("重大活动/节假日")


class WatchTerm(models.Model):
    """A watch-list term: topics, places, events and periods, never a person (domain.md §5)."""

    term = models.CharField(max_length=100)
    normalized = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=WatchKind.choices)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["normalized"], condition=Q(deleted_at__isnull=True), name="watch_term_live_once"
            ),
        ]

    def __str__(self) -> str:
        return self.term


class WatchHit(models.Model):
    """A watch term found in a lead; ``level`` 2 = inside the term's sensitive period."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="watch_hits")
    term = models.ForeignKey(WatchTerm, on_delete=models.PROTECT, related_name="hits")
    term_text = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=WatchKind.choices)
    level = models.PositiveSmallIntegerField(default=1)
    count = models.PositiveIntegerField(default=1)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-level", "term_text"]


class FeedSeen(models.Model):
    """Memory of feed entries already imported, so a re-poll never imports an item twice."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="seen")
    key = models.CharField(max_length=64)
    lead = models.ForeignKey(Lead, null=True, on_delete=models.SET_NULL, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="feed_entry_once")]


class WarningState(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已知悉")
    VERIFYING = "verifying", _("已转核实")


class EarlyWarning(models.Model):
    """An early warning (预警): a topic burst in a window, with the leads behind it and the numbers that
    raised it (``params`` keeps the rulebook's detector settings of the time)."""

    topic = models.CharField(max_length=100)
    #: "term" = a watch-list term, "word" = a hot word
    topic_kind = models.CharField(max_length=4)
    #: "burst" (趋势性: the topic rose against its baseline) or "sensitive" (敏感性: a watch term was hit
    #: inside its sensitive period)
    reason = models.CharField(max_length=10, default="burst")
    #: topics that burst with it over mostly the same leads (one story, one warning)
    related = models.JSONField(default=list, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveIntegerField()
    baseline = models.FloatField()
    z = models.FloatField()
    params = models.JSONField(default=dict)
    #: the detector's step this was raised in: one warning per topic and step, however many workers look
    step_at = models.DateTimeField()
    items = models.ManyToManyField(Lead, related_name="warnings")
    state = models.CharField(max_length=12, choices=WarningState.choices, default=WarningState.OPEN)
    raised_at = models.DateTimeField()
    handled_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["topic", "step_at"], name="warning_once_per_step")]
        indexes = [models.Index(fields=["topic", "raised_at"])]

    @property
    def why(self) -> str:
        """Why it fired, in words (what, how many, against what usual)."""
        from django.utils.translation import gettext

        from dutyroom.leads.opinion import warning_why

        minutes = round((self.window_end - self.window_start).total_seconds() / 60)
        return warning_why(
            self.topic,
            count=self.count,
            baseline=self.baseline,
            window_minutes=minutes,
            related=self.related,
            sensitive=self.reason == "sensitive",
            translate=gettext,
        )
