"""`--find-max`: the highest rate a path sustains, found by a search of short loop runs.

The search, in messages (records) per second:
- grow: from the start rate (--rate), x growth (2 by default) a step until the first step
  fails; the bracket is then [last pass, first fail];
- down: when the start rate already fails, / growth a step until a rate passes (the bracket is
  [that rate, the last failure]) or the floor (1 msg/s by default) fails too: no rate passed;
- bisect: the middle of the bracket, until the first failing rate is within the resolution
  (5 % by default) of the last passing one. The maximum is the bracket's passing end.

A step passes when its verdict is clean: nothing lost or late, no fault, something received,
the sender kept to its schedule, the path kept up (its queue did not grow through the step),
and, with --max-p99-ms, the corrected p99 under that limit. A step at which the bench itself
could not keep up (its sender fell behind while not held back by the path, or the engine's
health says overloaded, or the engine refuses the rate, or it lost probes or fell behind while
the device runs on this host (loopback, a pseudo-terminal) and the host's CPUs were busy for
a fifth of the step or more) is "bench overloaded at X msgs/s": it
ends the search upwards like a failure, and when it is the bracket's failing end the maximum
is the bench's, not the device's (`limited_by: "bench"`).

"Nothing lost" means something only with enough probes: by the rule of three, 0 losses in n
probes bound the loss rate below 3/n at 95 % confidence (a 1 s step at 37.5 msgs/s on a
link that loses 2 % at every rate has 38 probes and loses none ~46 % of the time). Every
step therefore carries at least n_min probes (--min-samples, 300 by default: loss < 1 %),
lengthened beyond --step-duration at rates too low to reach it (the step says so, and the
time estimate counts it); a step that ends with fewer (cut short) does not pass, and a
passing step states its bound ("no loss in 612 probes: loss < 0.49 % at 95 %"), as does the
section for the maximum.

The report is the best passing step's (the last step's when none passed), with every step in
the `find_max` section:

    {"max_msgs_per_s": float | None, "bracket": [pass | None, fail | None],
     "resolution": 0.05, "growth": 2.0, "floor_msgs_per_s": 1.0, "step_s": float,
     "criteria": {...}, "estimated_s": float (an upper bound), "max_steps": int,
     "min_samples": int, "loss_bound": str | None (the maximum's confidence statement),
     "limited_by": "device" | "bench" | "ceiling" | None, "bench_bound": bool,
     "result": "found" | "none passed" | "interrupted", "reason": str | None,
     "steps": [{"rate_msgs_per_s", "ok", "why", "status", "sent", "received", "lost",
                "late", "p99_us" | None, "phase": "grow" | "down" | "bisect",
                "step_s", "lengthened": bool (longer than --step-duration to carry
                n_min probes), "loss_bound": str | None (a passing step's), "wall_s"}, ...]}
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

from radarbench.bench.engine import BenchConfig, BenchReport, ConfigError, run_loop
from radarbench.bench.progress import Progress
from radarbench.bench.report import Report
from radarbench.bench.stats import RunStats
from radarbench.bench.verdict import busy_pressure, settle
from radarbench.rigs import lifeline
from radarbench.rigs.urlcheck import runs_here

# The search never offers more than this: a Python sender tops out far below, and the engine
# refuses rates the machine cannot hold before this is reached.
CEILING_MSGS_PER_S = 1e6
# The sender is behind its schedule when its median lag exceeds this (seconds), or less for
# short steps (see judge).
SENDER_LAG_S = 0.05
# Time a step costs beyond its sending and drain: forking the sender and receiver, the
# engine's start margin (150 ms), matching. Measured ~0.2 s on an idle machine; a bound.
STEP_OVERHEAD_S = 0.5
# A median delay this close to the fastest is jitter, not a queue: a loaded 2-core machine
# puts ~30 ms between them on a paced pty line that keeps up. Steps shorter than
# 4 x SPREAD_MIN_S / resolution (4 s at 5 %) therefore tell a growing queue only when it
# grows by more than half the resolution: give such paths longer steps.
SPREAD_MIN_S = 0.05
# The rule of three: 0 losses in n probes bound the loss rate below 3 / n at 95 % confidence
# (-ln 0.05 = 2.996). A step carries at least this many probes unless --min-samples says
# otherwise: loss < 1 %.
MIN_SAMPLES = 300
RULE_OF_THREE = 3.0


def min_samples(cfg: BenchConfig) -> int:
    """n_min: the probes a step must carry (cfg.find_max_min_samples, else MIN_SAMPLES)."""
    n = getattr(cfg, "find_max_min_samples", None)
    return int(n) if n is not None else int(MIN_SAMPLES)


def loss_bound(n: int) -> str:
    """The confidence statement of a step with no loss in n probes (rule of three)."""
    return f"no loss in {n:,} probes: loss < {100 * RULE_OF_THREE / n:.2g} % at 95 %"


@dataclass(frozen=True)
class StepVerdict:
    """How one step ended. status: ok | fail | fault | bench_overloaded | interrupted."""

    status: str
    why: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def check_config(cfg: BenchConfig) -> None:
    """Raise ConfigError (one line) for find-max settings that cannot run."""
    if not 0 < cfg.find_max_resolution < 1:
        raise ConfigError(f"--resolution must be between 0 and 100 %, not {cfg.find_max_resolution * 100:g} %")
    if not cfg.find_max_growth > 1:
        raise ConfigError(f"--growth must be > 1, not {cfg.find_max_growth:g}")
    if not cfg.find_max_floor > 0:
        raise ConfigError(f"--floor must be > 0 msgs/s, not {cfg.find_max_floor:g}")
    if cfg.find_max_floor > cfg.rate:
        raise ConfigError(f"--floor {cfg.find_max_floor:g} is above the start rate --rate {cfg.rate:g}")
    if cfg.find_max_step_s is not None and not cfg.find_max_step_s > 0:
        raise ConfigError(f"--step-duration must be > 0 s, not {cfg.find_max_step_s:g}")
    if cfg.ramp is not None:
        raise ConfigError("--find-max steps constant rates: it does not take --ramp")
    if min_samples(cfg) < 1:
        raise ConfigError(f"--min-samples must be >= 1, not {min_samples(cfg)}")


def step_config(cfg: BenchConfig) -> BenchConfig:
    """The configuration of one step: cfg's, each step --step-duration long when given
    (stretched per rate by rate_config)."""
    if cfg.find_max_step_s is not None:
        return replace(cfg, find_max=False, duration_s=cfg.find_max_step_s, count=None)
    return replace(cfg, find_max=False)


def base_seconds(cfg: BenchConfig, rate: float) -> float:
    """How long a step at `rate` is asked to send (s): the step duration, or --count at that
    rate, before the sample-size rule."""
    if cfg.find_max_step_s is not None:
        return cfg.find_max_step_s
    if cfg.count is not None:
        return cfg.count / rate
    return float(cfg.duration_s or 0.0)


def step_seconds(cfg: BenchConfig, rate: float) -> float:
    """How long a step at `rate` sends (s): the step duration (or --count at that rate),
    lengthened to carry min_samples(cfg) probes after the warmup."""
    base = base_seconds(cfg, rate)
    needed = cfg.warmup_s + min_samples(cfg) / rate
    return max(base, needed)


def lengthened(cfg: BenchConfig, rate: float) -> bool:
    """Whether a step at `rate` is longer than asked, to carry min_samples(cfg) probes."""
    return step_seconds(cfg, rate) > base_seconds(cfg, rate) + 1e-9


def rate_config(step_cfg: BenchConfig, cfg: BenchConfig, rate: float) -> BenchConfig:
    """The configuration of the step at `rate`: step_cfg at that rate, sending for
    step_seconds (by count when the search runs by --count, so that it is exact)."""
    if step_cfg.count is not None:
        # Probes before the warmup's end are not counted: send enough after it.
        n = max(step_cfg.count, math.ceil(min_samples(cfg) + cfg.warmup_s * rate))
        return replace(step_cfg, rate=rate, count=n)
    seconds = step_seconds(cfg, rate)
    if seconds > float(step_cfg.duration_s or 0.0):
        # The schedule rounds duration x sends/s to whole sends: never round below n_min.
        k = step_cfg.records_per_block
        sends = math.ceil((min_samples(cfg) + cfg.warmup_s * rate) / k)
        seconds = max(seconds, sends * k / rate)
    return replace(step_cfg, rate=rate, duration_s=seconds)


def bisect_steps(growth: float, resolution: float) -> int:
    """Bisections that narrow a [r, growth * r] bracket to within `resolution` of r."""
    return max(0, math.ceil(math.log2((growth - 1) / resolution)))


def max_steps(cfg: BenchConfig) -> int:
    """The most steps the search can take: the longer of the way up (to the ceiling) and the
    way down (to the floor), the first step, and the bisection."""
    g = cfg.find_max_growth
    up = math.ceil(math.log(max(CEILING_MSGS_PER_S / cfg.rate, 1.0), g))
    down = math.ceil(math.log(max(cfg.rate / cfg.find_max_floor, 1.0), g))
    return 1 + max(up, down) + bisect_steps(g, cfg.find_max_resolution)


def _path_rates(cfg: BenchConfig) -> tuple[list[float], list[float]]:
    """The rates the search may try after its first step: up to the ceiling, down to the floor."""
    g = cfg.find_max_growth
    up: list[float] = []
    rate = cfg.rate
    while rate < CEILING_MSGS_PER_S:
        rate = min(rate * g, CEILING_MSGS_PER_S)
        up.append(rate)
    down: list[float] = []
    rate = cfg.rate
    while rate > cfg.find_max_floor:
        rate = max(rate / g, cfg.find_max_floor)
        down.append(rate)
    return up, down


def estimate_s(cfg: BenchConfig) -> float:
    """An upper bound of the search's length (s): the first step, the longer of the way up
    (to the ceiling) and the way down (to the floor), and the bisection, each step sending
    for step_seconds (lengthened at low rates to carry min_samples probes: a bisection after
    the way down may run as low as the floor) plus its drain and start. A path that holds
    the sender back (a paced line) makes its steps last longer than their schedule: not
    bounded here."""
    extra = cfg.drain_s + STEP_OVERHEAD_S
    bisections = bisect_steps(cfg.find_max_growth, cfg.find_max_resolution)
    up, down = _path_rates(cfg)

    def cost(rates: list[float], slowest: float) -> float:
        return sum(step_seconds(cfg, r) + extra for r in rates) + \
            bisections * (step_seconds(cfg, slowest) + extra)

    first = step_seconds(cfg, cfg.rate) + extra
    return first + max(cost(up, cfg.rate), cost(down, cfg.find_max_floor))


def lengthened_below(cfg: BenchConfig) -> float | None:
    """The rate under which steps are lengthened to carry min_samples probes (None: the
    search runs by --count, each step by its probes)."""
    if cfg.find_max_step_s is None and cfg.count is not None:
        return None
    base = cfg.find_max_step_s if cfg.find_max_step_s is not None else float(cfg.duration_s or 0.0)
    room = base - cfg.warmup_s
    return math.inf if room <= 0 else min_samples(cfg) / room


def _health(report: BenchReport) -> dict[str, Any] | None:
    health = getattr(report, "health", None) or report.sections.get("health")
    return health if isinstance(health, dict) else None


def _busy_host_with_local_device(cfg: BenchConfig, health: dict[str, Any] | None) -> str | None:
    """Why a step's losses or delays may be this host's doing, not the device's: the device
    runs here (a loopback address, a pseudo-terminal) and the host's CPUs were busy for at
    least HOST_BUSY_SHARE of the step (the rule verdict.py applies to a rig's emulated devices);
    else None. A device elsewhere (a real serial port, another address) never qualifies."""
    pressure = busy_pressure(health)
    if pressure is None:
        return None
    here = next((w for w in (runs_here(u) for u in (cfg.send, cfg.recv) if u) if w), None)
    if here is None:
        return None
    return (f"the host was busy (tasks waited for a CPU {pressure:.0%} of the step) and the device "
            f"runs on it ({here}), so they say nothing about the device")


def judge(cfg: BenchConfig, report: BenchReport, rate: float) -> StepVerdict:
    """The verdict of one step at `rate` (see the module docstring)."""
    c = report.counts
    step_s = step_seconds(cfg, rate)
    if report.status == "interrupted":
        return StepVerdict("interrupted", "interrupted")
    if c.sent == 0:
        return StepVerdict("fail", "nothing sent")
    if report.faults:
        kinds = sorted({f.kind for f in report.faults})
        return StepVerdict("fault", f"fault: {', '.join(kinds)}")
    # Sender behind schedule: the engine's health when it has one, else the corrected minus
    # the uncorrected median (corrected latency counts from the intended send).
    health = _health(report)
    lag = (health or {}).get("sender_lag_us")
    if isinstance(lag, dict) and lag.get("p50") is not None:
        lag_s = float(lag["p50"]) / 1e6
    else:
        lag_s = max(0.0, (report.corrected.p50_us - report.uncorrected.p50_us) / 1e6)
    blocked_s = float(report.sections.get("match", {}).get("sender_blocked_s", 0.0) or 0.0)
    # A sender held back by e (a share) of the rate lags e x t at t into the step, so its
    # median lag is e x step / 2: behind by more than half the resolution is behind. Never
    # more than SENDER_LAG_S, whatever the step length.
    lag_bound_s = min(SENDER_LAG_S, step_s * cfg.find_max_resolution / 4)
    behind = lag_s > lag_bound_s
    # A sender that lags while its writes block is held back by the path (a paced serial
    # line, a full TCP window): that is the device's limit. Lagging without blocking is the
    # bench's own: it could not offer the load.
    held_back = behind and blocked_s >= 0.5 * step_s
    if held_back:
        return StepVerdict("fail", f"the path held the sender back: median lag {lag_s * 1e3:,.1f} ms, "
                                   f"writes blocked {blocked_s:,.2f} s of a {step_s:g} s step")
    if behind:
        return StepVerdict("bench_overloaded", f"bench overloaded at {rate:,.0f} msgs/s: its sender fell "
                                               f"behind (median lag {lag_s * 1e3:,.1f} ms)")
    if health and health.get("overloaded"):
        reasons = "; ".join(str(r) for r in health.get("reasons") or []) or "health says overloaded"
        return StepVerdict("bench_overloaded", f"bench overloaded at {rate:,.0f} msgs/s: {reasons}")
    busy = _busy_host_with_local_device(cfg, health)
    if c.lost or c.late:
        if busy:
            return StepVerdict("bench_overloaded", f"bench overloaded at {rate:,.0f} msgs/s: {c.lost:,} lost, "
                                                   f"{c.late:,} late, but {busy}")
        return StepVerdict("fail", f"{c.lost:,} lost, {c.late:,} late")
    if c.received == 0:
        return StepVerdict("fail", "nothing received")
    n_min = min_samples(cfg)
    if c.sent < n_min:
        # Cut short: "none lost" in few probes says little (rule of three: loss < 3/n).
        return StepVerdict("fail", f"too few probes: none lost in {c.sent:,}, but {n_min:,} are needed "
                                   f"to bound loss below {100 * RULE_OF_THREE / n_min:.2g} % at 95 %")
    # The path kept up: a path that carries less than it is offered queues what it cannot
    # carry, and the delay grows through the step, from its base to (offered / carried - 1)
    # x the step length; the uncorrected latencies are then spread evenly over that range,
    # and their median sits half of it above the fastest. Fail when that overload share is
    # above half the resolution (a path that merely jitters by more than resolution/4 x the
    # step also fails: give it longer steps).
    spread_s = max(0.0, (report.uncorrected.p50_us - report.uncorrected.min_us) / 1e6)
    overload = 2 * spread_s / step_s if step_s > 0 else 0.0
    if overload > cfg.find_max_resolution / 2 and spread_s > SPREAD_MIN_S:
        if busy:
            return StepVerdict("bench_overloaded", f"bench overloaded at {rate:,.0f} msgs/s: the delay grew "
                                                   f"through the step, but {busy}")
        return StepVerdict("fail", f"the path did not keep up: its delay grew through the step "
                                   f"(median {spread_s * 1e3:,.1f} ms above the fastest: "
                                   f"~{overload:.1%} more offered than carried)")
    if cfg.max_p99_ms is not None and report.corrected.p99_us > cfg.max_p99_ms * 1000:
        return StepVerdict("fail", f"p99 {report.corrected.p99_us / 1000:,.3f} ms > {cfg.max_p99_ms:g} ms")
    return StepVerdict("ok", f"ok: {loss_bound(c.sent)}")


class _Search:
    """The state of one search: steps so far, the bracket, the best passing report."""

    def __init__(self, cfg: BenchConfig, progress: Progress) -> None:
        self.cfg = cfg
        self.progress = progress
        self.step_cfg = step_config(cfg)
        self.steps: list[dict[str, Any]] = []
        self.best: tuple[float, BenchReport] | None = None
        self.last: BenchReport | None = None
        self.passed: float | None = None            # bracket: highest passing rate
        self.failed: float | None = None            # bracket: lowest failing rate above it
        self.failed_status: str | None = None       # how the step at `failed` ended
        self.limit = max_steps(cfg)

    def run(self, rate: float, phase: str) -> StepVerdict:
        """Run one step; record it; update the bracket. Raises KeyboardInterrupt when the
        step was interrupted (its report is kept as `last`)."""
        cfg = self.cfg
        n = len(self.steps) + 1
        run_cfg = rate_config(self.step_cfg, cfg, rate)
        seconds = step_seconds(cfg, rate)
        longer = lengthened(cfg, rate)
        why_longer = (f" (lengthened from {base_seconds(cfg, rate):g} s to carry {min_samples(cfg):,} probes)"
                      if longer else "")
        self.progress.note(f"find-max step {n} ({phase}): {rate:,.1f} msgs/s for {seconds:.3g} s{why_longer}")
        t0 = time.monotonic()
        try:
            run_cfg.check()
        except ConfigError as exc:
            # The engine refuses a rate the machine cannot hold: the bench's limit.
            verdict = StepVerdict("bench_overloaded", f"bench overloaded at {rate:,.0f} msgs/s: {exc}")
            report = None
        else:
            seen = len(lifeline.interrupts())
            report = run_loop(run_cfg, self.progress, rate=rate)
            # run_loop counts the signals that come once its measurement is over; the next
            # step must take them again, and one that came ends the search
            lifeline.release()
            if len(lifeline.interrupts()) > seen:
                report.status = "interrupted"
            verdict = judge(cfg, report, rate)
            self.last = report
        c = report.counts if report is not None else None
        p99 = report.corrected.p99_us if report is not None and report.corrected.count else None
        self.steps.append({
            "rate_msgs_per_s": round(rate, 3), "ok": verdict.ok, "why": verdict.why,
            "status": verdict.status, "phase": phase,
            "sent": c.sent if c else 0, "received": c.received if c else 0,
            "lost": c.lost if c else 0, "late": c.late if c else 0,
            "p99_us": None if p99 is None else round(p99, 3),
            "step_s": round(seconds, 3), "lengthened": longer,
            "loss_bound": loss_bound(c.sent) if verdict.ok and c else None,
            "wall_s": round(time.monotonic() - t0, 3),
        })
        self.progress.note(f"find-max: {rate:,.1f} msgs/s {'passes' if verdict.ok else 'fails'} ({verdict.why})")
        if verdict.status == "interrupted":
            raise KeyboardInterrupt
        if verdict.ok:
            assert report is not None
            if self.passed is None or rate > self.passed:
                self.passed = rate
            if self.best is None or rate > self.best[0]:
                self.best = (rate, report)
        elif self.failed is None or rate < self.failed:
            self.failed = rate
            self.failed_status = verdict.status
        return verdict

    def budget_left(self) -> bool:
        return len(self.steps) < self.limit

    def search(self) -> None:
        """Grow or go down, then bisect. Raises KeyboardInterrupt on Ctrl-C."""
        cfg = self.cfg
        g = cfg.find_max_growth
        rate = cfg.rate
        if self.run(rate, "grow").ok:
            while self.failed is None and self.budget_left():
                if rate >= CEILING_MSGS_PER_S:
                    return
                rate = min(rate * g, CEILING_MSGS_PER_S)
                self.run(rate, "grow")
        else:
            while self.passed is None and self.budget_left():
                if rate <= cfg.find_max_floor:
                    return  # the floor fails too: no rate passed
                rate = max(rate / g, cfg.find_max_floor)
                self.run(rate, "down")
        while self.budget_left() and self.passed is not None and self.failed is not None \
                and self.failed - self.passed > cfg.find_max_resolution * self.passed:
            self.run((self.passed + self.failed) / 2, "bisect")

    def section(self, interrupted: bool, estimated: float) -> dict[str, Any]:
        cfg = self.cfg
        found = self.passed is not None
        if self.passed is not None and self.failed is None:
            limited_by: str | None = "ceiling"
        elif self.failed is not None and found:
            limited_by = "bench" if self.failed_status == "bench_overloaded" else "device"
        else:
            limited_by = None
        if interrupted:
            result, reason = "interrupted", "interrupted"
        elif found:
            result, reason = "found", None
        else:
            result, reason = "none passed", "no rate passed"
            if self.steps:
                lowest = min(self.steps, key=lambda st: st["rate_msgs_per_s"])
                reason += f" (the lowest tried, {lowest['rate_msgs_per_s']:,.4g} msgs/s: {lowest['why']})"
        n_min = min_samples(cfg)
        best = next((st for st in self.steps if st["ok"] and self.passed is not None
                     and st["rate_msgs_per_s"] == round(self.passed, 3)), None)
        return {
            "max_msgs_per_s": round(self.passed, 3) if self.passed is not None else None,
            "bracket": [None if self.passed is None else round(self.passed, 3),
                        None if self.failed is None else round(self.failed, 3)],
            "resolution": cfg.find_max_resolution,
            "growth": cfg.find_max_growth,
            "floor_msgs_per_s": cfg.find_max_floor,
            "step_s": base_seconds(cfg, cfg.rate),
            "min_samples": n_min,
            "lengthened_below_msgs_per_s": _round_or_none(lengthened_below(cfg)),
            "loss_bound": best["loss_bound"] if best else None,
            "criteria": {"lost": 0, "late": 0, "faults": 0, "max_p99_ms": cfg.max_p99_ms,
                         "min_samples": n_min, "max_loss_at_95pct": RULE_OF_THREE / n_min,
                         "max_sender_lag_ms": min(SENDER_LAG_S, step_seconds(cfg, cfg.rate) * cfg.find_max_resolution / 4) * 1e3,
                         "max_overload_share": cfg.find_max_resolution / 2},
            "estimated_s": round(estimated, 1),
            "max_steps": self.limit,
            "elapsed_s": round(sum(s["wall_s"] for s in self.steps), 3),
            "limited_by": limited_by,
            "bench_bound": limited_by == "bench",
            "result": result,
            "reason": reason,
            "steps": self.steps,
        }


def _round_or_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, 3)


def find_max(cfg: BenchConfig, progress: Progress) -> BenchReport:
    """Search for the highest sustainable rate (see the module docstring).

    Returns the best passing step's report (the last step's when none passed) with the
    `find_max` section; status "fail" (or "no_data" when no step received anything) with
    reason "no rate passed" when none passed, "interrupted" after Ctrl-C. Raises ConfigError
    for settings that cannot run.
    """
    check_config(cfg)
    search = _Search(cfg, progress)
    estimated = estimate_s(cfg)
    below = lengthened_below(cfg)
    if below is None:
        longer = f"each at least {min_samples(cfg):,} probes"
    else:
        longer = (f"lengthened below {below:,.4g} msgs/s to carry {min_samples(cfg):,} probes "
                  f"(no loss in {min_samples(cfg):,}: loss < {100 * RULE_OF_THREE / min_samples(cfg):.2g} % at 95 %)")
    progress.note(f"find-max: from {cfg.rate:,.1f} msgs/s, x{cfg.find_max_growth:g} a step up (or "
                  f"/{cfg.find_max_growth:g} down to {cfg.find_max_floor:g}), then bisection to "
                  f"{cfg.find_max_resolution:.1%}: at most {search.limit} steps of "
                  f"{base_seconds(cfg, cfg.rate):g} s ({longer}) + {cfg.drain_s:g} s drain, "
                  f"{estimated:,.0f} s at most (an upper bound)")
    interrupted = False
    try:
        search.search()
    except KeyboardInterrupt:
        interrupted = True
    lifeline.hold()  # the search is over: a signal from here on is counted (engine.run_bench)
    section = search.section(interrupted, estimated)
    chosen = search.best[1] if search.best is not None else search.last
    if chosen is None and interrupted:
        # Stopped before the first step could report: an empty, interrupted run whose
        # find_max section shows how far the search got.
        chosen = BenchReport.of(Report.from_stats(RunStats(start_ns=0), duration_s=0.0,
                                                  config=cfg.describe("loop"), interrupted=True))
    if chosen is None:
        # Not one step ran (the engine refused every rate): nothing to report but the search.
        raise ConfigError(f"find-max: no step could run: {search.steps[-1]['why'] if search.steps else 'no step'}")
    report = BenchReport.of(chosen, find_max=section)
    # The verdict (radarbench.bench.verdict) reads the section: no passing rate is "fail",
    # or "no_data" when no step received anything.
    report.interrupted = interrupted
    if section["bench_bound"]:
        why = next(s["why"] for s in search.steps if s["rate_msgs_per_s"] == section["bracket"][1])
        section["note"] = f"the maximum is the bench's, not the device's: {why}"
        progress.note(f"find-max: {section['max_msgs_per_s']:,.1f} msgs/s: {section['note']}")
    elif section["loss_bound"]:
        progress.note(f"find-max: {section['max_msgs_per_s']:,.1f} msgs/s: {section['loss_bound']}")
    return settle(report)
