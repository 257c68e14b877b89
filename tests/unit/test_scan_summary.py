"""The scan's summary by cause (scan/output.Summary)."""

from __future__ import annotations

from sslpoke.scan.output import Summary


def _failing(spec: str, code: str) -> dict[str, object]:
    return {"spec": spec, "ok": False, "problems": [{"severity": "error", "code": code}]}


def test_an_endpoint_listed_twice_is_one_sample_and_counted_twice() -> None:
    summary = Summary()
    specs = ["a:443", "b:443", "a:443", "c:443", "a:443", "b:443"]
    for spec in specs:
        summary.add_record(_failing(spec, "expired"))
    summary.add_record({"spec": "d:443", "ok": True, "problems": []})
    assert summary.total == 7 and summary.trusted == 1
    assert summary.by_code == {"expired": 6}
    assert summary.endpoints["expired"] == ["a:443", "b:443", "c:443"]
    line = "".join(text for text, _ in summary.lines()[1])
    assert line.endswith("a:443, b:443, c:443")  # three endpoints, all named


def test_samples_stop_at_twenty_distinct() -> None:
    summary = Summary()
    for i in range(50):
        summary.add_record(_failing(f"h{i % 30}:443", "unknown-ca"))
    assert summary.endpoints["unknown-ca"] == [f"h{i}:443" for i in range(20)]
    assert summary.by_code["unknown-ca"] == 50
    line = "".join(text for text, _ in summary.lines()[1])
    # 30 endpoints, 5 named: the 20 repeats of sampled ones are not counted as more
    assert line.endswith("h0:443, h1:443, h2:443, h3:443, h4:443 and 25 more")


def test_past_the_samples_the_rest_is_counted() -> None:
    summary = Summary()
    for i in range(1333):
        summary.add_record(_failing(f"h{i}:443", "self-signed"))
    line = "".join(text for text, _ in summary.lines()[1])
    assert line.endswith("h4:443 and 1328 more")
