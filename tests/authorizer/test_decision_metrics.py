"""Decision metrics: denials published at once, allows batched, nothing ever raised."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import pytest
from aws_lambda_powertools import Metrics

from telemetry import DecisionMetrics


def emf_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    metrics = Metrics(namespace="ProtectedApiTest")
    yield metrics
    # Powertools keeps one metric set per process: leave nothing behind for the next test.
    metrics.clear_metrics()


def test_each_decision_is_published_when_the_interval_is_zero(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    decisions = DecisionMetrics(metrics, logging.getLogger("test"), interval=0)

    decisions.allow()
    decisions.deny("expired")

    lines = emf_lines(capsys.readouterr().out)
    assert [(line["outcome"], line.get("reason"), line["AuthorizerDecisions"]) for line in lines] == [
        ("allow", None, [1.0]),
        ("deny", "expired", [1.0]),
    ]


def test_allows_are_counted_and_published_with_the_next_denial(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    decisions = DecisionMetrics(metrics, logging.getLogger("test"), interval=3600)

    for _ in range(5):
        decisions.allow()
    assert emf_lines(capsys.readouterr().out) == []

    decisions.deny("bad_signature")

    lines = emf_lines(capsys.readouterr().out)
    assert {(line["outcome"], line.get("reason")): line["AuthorizerDecisions"] for line in lines} == {
        ("deny", "bad_signature"): [1.0],
        ("allow", None): [5.0],
    }


def test_a_metrics_failure_is_logged_not_raised(metrics: Metrics, caplog: pytest.LogCaptureFixture) -> None:
    class BrokenMetrics(Metrics):
        def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
            raise RuntimeError("CloudWatch agent on fire")

    decisions = DecisionMetrics(BrokenMetrics(namespace="x"), logging.getLogger("test"), interval=0)

    decisions.deny("expired")

    assert "Could not publish metrics" in caplog.text


def test_nothing_piles_up_when_metrics_are_disabled(
    metrics: Metrics,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The local runner sets POWERTOOLS_METRICS_DISABLED: Powertools' flush then keeps the set.
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    decisions = DecisionMetrics(metrics, logging.getLogger("test"), interval=0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(200):
            decisions.deny("expired")
            decisions.allow()

    assert emf_lines(capsys.readouterr().out) == []
    assert "Could not publish metrics" not in caplog.text
    assert metrics.provider.metric_set == {}
    assert metrics.provider.dimension_set == {}


@pytest.mark.parametrize("raw", ["a minute", "nan", "inf", "-1", "1e9"])
def test_a_bad_flush_interval_falls_back_to_the_default_with_a_warning(
    raw: str, metrics: Metrics, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("METRICS_FLUSH_SECONDS", raw)

    decisions = DecisionMetrics(metrics, logging.getLogger("test"))

    assert decisions._interval == 60.0
    assert "METRICS_FLUSH_SECONDS" in caplog.text


def test_the_flush_interval_is_read_from_the_environment(metrics: Metrics, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_FLUSH_SECONDS", "0")

    assert DecisionMetrics(metrics, logging.getLogger("test"))._interval == 0
