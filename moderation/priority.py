"""The queue's priority: who should a reviewer look at first.

    priority = 100 · max(harmful, unverified, ½ · positive)     how bad (or how good) it looks
             +  10 · log10(1 + reach)                           members of the groups it reached
             +  15 · log2(cluster size)                         how many copies were forwarded
             +  20 · [escalated]                                handed up from a lower unit
             +   2 · hours waiting in the queue

So a certain rumour (100) that reached 1,000 members (+30) in 4 copies (+30) outranks a fresh
single harmful post seen nowhere (100), and any item gains 48 points a day it waits.

The waiting term is linear, so the order of two items never changes with time. That lets the
database store `priority_key = static − 2 · hours(queued_at − EPOCH)` (see `key`) and sort by
it through an index; the priority shown at time t is `key + 2 · hours(t − EPOCH)`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from core.models import as_utc

SCORE_WEIGHT = 100.0
POSITIVE_FACTOR = 0.5
REACH_WEIGHT = 10.0
SIZE_WEIGHT = 15.0
ESCALATED_BONUS = 20.0
WAIT_PER_HOUR = 2.0
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def static_priority(harmful: float, unverified: float, positive: float, reach: int,
                    size: int, escalated: bool = False) -> float:
    """Every term except waiting time."""
    score = max(harmful, unverified, POSITIVE_FACTOR * positive)
    return (SCORE_WEIGHT * score
            + REACH_WEIGHT * math.log10(1 + max(reach, 0))
            + SIZE_WEIGHT * math.log2(max(size, 1))
            + (ESCALATED_BONUS if escalated else 0.0))


def _hours_since_epoch(moment: datetime) -> float:
    return (as_utc(moment) - EPOCH).total_seconds() / 3600.0


def key(static: float, queued_at: datetime) -> float:
    """The stored, time-independent sort key."""
    return static - WAIT_PER_HOUR * _hours_since_epoch(queued_at)


def at(priority_key: float, now: datetime) -> float:
    """The priority at `now` of an item with this stored key."""
    return priority_key + WAIT_PER_HOUR * _hours_since_epoch(now)


def priority(harmful: float, unverified: float, positive: float, reach: int, size: int,
             queued_at: datetime, now: datetime, escalated: bool = False) -> float:
    """The whole formula, for documentation and tests: equals `at(key(...), now)`."""
    waited = max((as_utc(now) - as_utc(queued_at)).total_seconds() / 3600.0, 0.0)
    return (static_priority(harmful, unverified, positive, reach, size, escalated)
            + WAIT_PER_HOUR * waited)
