"""Which channels a report must not travel over (domain.md §6)."""

from __future__ import annotations

from .deadlines import Severity
from .enums import Channel, Classification, Grade
from .model import Rulebook

_MAJOR = frozenset({Grade.I, Grade.II})


def channel_forbidden(rb: Rulebook, channel: Channel, severity: Severity, classification: Classification) -> bool:
    """True when using ``channel`` for this incident breaks the notice.

    Notice §五: "严禁通过QQ、微信、微博等互联网平台报告、传播重特大突发事件信息和敏感信息。" The ban covers
    major information (Ⅰ/Ⅱ), sensitive information (any flag, which the notice treats as sensitive), and
    anything marked work secret, which the notice's appeal to 《保密法》 keeps off internet platforms too.
    An ordinary Ⅳ report over WeChat is poor practice but not this violation, so it returns False;
    recording it is then a plain fact, not a finding against the unit.
    """
    if Channel(channel) not in rb.forbidden_channels:
        return False
    return content_protected(severity, classification)


def content_protected(severity: Severity, classification: Classification) -> bool:
    """Major (Ⅰ/Ⅱ), flagged or work-secret: the incident's content must not leave the system (domain.md §6).

    The same test decides which channels are violations and which notifications may carry content.
    """
    return (
        severity.grade in _MAJOR or severity.immediate or Classification(classification) == Classification.WORK_SECRET
    )
