"""The traffic counters as metrics: conversion (approved / sent) per country and per
destination prefix, in JSON and in the Prometheus text format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ringfence.risk.traffic import Conversion, TrafficCounters

SCOPES = ("country", "prefix")


def conversion_report(
    counters: TrafficCounters, today: date, *, days: int = 14, scope: str = "country"
) -> dict[str, Any]:
    """Codes sent, approved and refused and the conversion rate over the last ``days`` UTC
    days (today included), per country or per prefix."""
    if not 1 <= days <= 400:
        raise ValueError("days is 1 to 400")
    since = today - timedelta(days=days - 1)
    rows = counters.conversion(since, today, scope=scope)
    return {
        "scope": scope,
        "since": since.isoformat(),
        "until": today.isoformat(),
        "rows": [row.to_dict() for row in rows],
    }


class _TrafficCollector(Collector):
    def __init__(self, counters: TrafficCounters, today: date, days: int) -> None:
        self.counters, self.today, self.days = counters, today, days

    def collect(self) -> Iterator[GaugeMetricFamily]:
        since = self.today - timedelta(days=self.days - 1)
        window = f"{self.days}d"
        families = {
            "sent": GaugeMetricFamily(
                "ringfence_codes_sent",
                "Codes sent in the window.",
                labels=["scope", "key", "window"],
            ),
            "verified": GaugeMetricFamily(
                "ringfence_codes_verified",
                "Codes entered correctly in the window.",
                labels=["scope", "key", "window"],
            ),
            "blocked": GaugeMetricFamily(
                "ringfence_codes_blocked",
                "Sends the risk gate refused in the window.",
                labels=["scope", "key", "window"],
            ),
            "rate": GaugeMetricFamily(
                "ringfence_conversion_rate",
                "Approved / sent in the window.",
                labels=["scope", "key", "window"],
            ),
        }
        for scope in SCOPES:
            for row in self.counters.conversion(since, self.today, scope=scope):
                _add(families, scope, row, window)
        yield from families.values()


def _add(families: dict[str, GaugeMetricFamily], scope: str, row: Conversion, window: str) -> None:
    labels = [scope, row.key, window]
    families["sent"].add_metric(labels, row.sent)
    families["verified"].add_metric(labels, row.verified)
    families["blocked"].add_metric(labels, row.blocked)
    if row.rate is not None:
        families["rate"].add_metric(labels, row.rate)


def prometheus_text(counters: TrafficCounters, today: date, *, days: int = 1) -> bytes:
    """The metrics of the last ``days`` UTC days in the Prometheus exposition format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_TrafficCollector(counters, today, days))
    return bytes(generate_latest(registry))
