"""`--find-max`: the highest rate a path sustains, found by repeated short loop runs.

The rate grows by x1.5 from --rate until a step fails, then a bisection between the last good
and the first bad rate narrows it to within 5 %. A step passes when nothing is lost or late,
the sender kept to its schedule (it sent at >= 95 % of the offered rate: a bench that cannot
offer the load has not shown the path takes it), and, with --max-p99-ms, the corrected p99
stays under the limit. The report is the best passing step's, with every step in `find_max`.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from radarbench.bench.engine import BenchConfig, BenchReport, run_loop
from radarbench.bench.progress import Progress

GROWTH = 1.5
PRECISION = 0.05


def _verdict(cfg: BenchConfig, report: BenchReport, rate: float) -> tuple[bool, str]:
    c = report.counts
    if report.status == "interrupted":
        return False, "interrupted"
    if c.lost or c.late:
        return False, f"{c.lost} lost, {c.late} late"
    if c.sent == 0:
        return False, "nothing sent"
    offered = report.throughput.offered_msgs_per_s
    # offered_msgs_per_s is sent / measured span: below the target when the sender lagged.
    lag_s = (report.corrected.p50_us - report.uncorrected.p50_us) / 1e6
    if offered < 0.95 * rate or lag_s > 0.05:
        return False, f"sender could not keep {rate:,.0f}/s (median lag {lag_s * 1e3:.1f} ms)"
    if cfg.max_p99_ms is not None and report.corrected.p99_us > cfg.max_p99_ms * 1000:
        return False, f"p99 {report.corrected.p99_us / 1000:.3f} ms > {cfg.max_p99_ms:g} ms"
    return True, "ok"


def find_max(cfg: BenchConfig, progress: Progress) -> BenchReport:
    """Search for the highest sustainable rate; returns the best step's report with a
    `find_max` section (max_msgs_per_s and the steps). Each step runs cfg's duration/count."""
    step_cfg = replace(cfg, find_max=False)
    steps: list[dict[str, Any]] = []
    best: tuple[float, BenchReport] | None = None
    last: BenchReport | None = None
    good, bad = 0.0, None
    rate = cfg.rate

    def run(rate: float) -> bool:
        nonlocal best, last
        progress.note(f"find-max: trying {rate:,.0f} msgs/s")
        report = run_loop(step_cfg, progress, rate=rate)
        ok, why = _verdict(cfg, report, rate)
        last = report
        steps.append({"rate_msgs_per_s": round(rate, 3), "ok": ok, "why": why,
                      "sent": report.counts.sent, "lost": report.counts.lost,
                      "late": report.counts.late, "p99_us": report.corrected.p99_us,
                      "uncorrected_p99_us": report.uncorrected.p99_us})
        progress.note(f"find-max: {rate:,.0f} msgs/s {'passes' if ok else 'fails'} ({why})")
        if ok and (best is None or rate > best[0]):
            best = (rate, report)
        if report.status == "interrupted":
            raise KeyboardInterrupt
        return ok

    interrupted = False
    try:
        for _ in range(cfg.find_max_steps):
            if bad is None:
                if run(rate):
                    good = rate
                    rate *= GROWTH
                else:
                    bad = rate
                    if good == 0.0:
                        break  # the starting rate already fails: report it
            else:
                if bad - good <= PRECISION * good:
                    break
                mid = (good + bad) / 2
                if run(mid):
                    good = mid
                else:
                    bad = mid
    except KeyboardInterrupt:
        interrupted = True
    chosen = best[1] if best is not None else last
    assert chosen is not None
    section = {
        "max_msgs_per_s": round(best[0], 3) if best else None,
        "criteria": {"lost": 0, "late": 0, "max_p99_ms": cfg.max_p99_ms, "min_send_share": 0.95},
        "first_failing_msgs_per_s": round(bad, 3) if bad is not None else None,
        "steps": steps,
    }
    report = BenchReport.of(chosen, find_max=section)
    if interrupted:
        report.status = "interrupted"
    return report
