"""Every realism figure of a world, side by side with its target range.

    python benchmarks/world_report.py datasets            # a world folder (with truth/)
    python benchmarks/world_report.py --seed 99           # a fresh 5,000-member world
    python benchmarks/world_report.py --seed 99 --customers 20000

For an author checking a new world at a glance: each line is one target of the "World v2"
issue (``coursekit.synth.measure.TARGETS``), its value, its range, and ok / OUT. Extra
figures without a range (e.g. recency-alone AUC) are printed below for context. Exit code 1
when any figure is outside its range.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from coursekit.synth import generate_world, load_world, measure


def _fmt(v: float) -> str:
    return f"{v:.3f}" if abs(v) < 100 else f"{v:,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("world", nargs="?", help="a world folder written by coursekit data generate")
    ap.add_argument("--seed", type=int, help="generate a world in memory with this seed")
    ap.add_argument("--customers", type=int, default=5000)
    args = ap.parse_args(argv)
    if (args.world is None) == (args.seed is None):
        ap.error("give a world folder or --seed")
    warnings.filterwarnings("ignore")
    start = time.perf_counter()
    if args.world:
        world = load_world(args.world)
        if not world.has_truth:
            print(f"{args.world} has no truth/ folder: the figures need the hidden tables")
            return 2
        label = args.world
    else:
        world = generate_world(n_customers=args.customers, seed=args.seed)
        label = f"seed {args.seed}, {args.customers:,} members (in memory)"
    loaded = time.perf_counter() - start
    values = measure.report(world)
    ok = measure.check(values)
    print(f"World: {label}  (loaded in {loaded:.1f} s, measured in "
          f"{time.perf_counter() - start - loaded:.1f} s)")  # fmt: skip
    print(f"{'figure':<28} {'value':>10}  {'target':<14} {'':4} what it measures")
    for name, (lo, hi, what) in measure.TARGETS.items():
        target = f"{'' if lo is None else f'{lo:g}'}..{'' if hi is None else f'{hi:g}'}"
        flag = "ok" if ok[name] else "OUT"
        print(f"{name:<28} {_fmt(values[name]):>10}  {target:<14} {flag:<4} {what}")
    extra = [k for k in values if k not in measure.TARGETS]
    print("\nFor context:")
    for name in extra:
        print(f"  {name:<30} {_fmt(values[name]):>10}")
    bad = [k for k, v in ok.items() if not v]
    print(f"\n{len(ok) - len(bad)} of {len(ok)} figures inside their ranges"
          + (f"; outside: {', '.join(bad)}" if bad else ""))  # fmt: skip
    if "campaign_mean_lift" in bad and len(world.customers) < 20000:
        print(
            "(campaign lift swings by about +-5 points at 5,000 members; "
            "check it on a 20,000-member world)"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
