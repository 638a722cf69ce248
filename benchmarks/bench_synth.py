"""Speed and memory of the synthetic world generator, measured in one run.

    python benchmarks/bench_synth.py            # default world; 100k customers vs Faker per row
    python benchmarks/bench_synth.py --large    # also 1,000,000 customers in memory (+ parquet)
    python benchmarks/bench_synth.py --write    # only: writing a 20,000-member world, per file

Targets (printed as ratios against them, never asserted by the test suite):
- 100,000 customers: our customer table at least 50x faster than calling Faker per row;
- --write: writing a 20,000-member world (CSV + raw exports) costs a small multiple of
  generating it in memory; the time of each file is printed, and a digest of every file
  so that two versions of the writer can be compared byte for byte; the whole world,
  generated in memory, takes less CPU than naive Faker producing only its customer rows
  (writing it, raw exports included, is printed beside);
- --large: 1,000,000 customers (tens of millions of order lines) generated in memory in
  under 90 s and under 8 GiB peak memory on 2 cores; writing them as Parquet is timed
  separately.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def ours_customers(n: int, seed: int = 2026) -> pd.DataFrame:
    """The generator's customer table (with the small Faker pools it samples from)."""
    from coursekit.synth.params import load_params
    from coursekit.synth.population import make_customers, make_stores, name_pools
    from coursekit.synth.world import _stream

    params = load_params()
    pools = name_pools("zh_CN", seed)
    stores = make_stores(params, "zh_CN", _stream(seed, "stores"), pools)
    customers, _ = make_customers(
        params, n, pd.Timestamp("2024-01-01"), 731, "zh_CN", _stream(seed, "customers"), pools,
        stores,
    )  # fmt: skip
    return customers


def naive_customers(n: int, seed: int = 2026) -> pd.DataFrame:
    """The usual approach: one Faker call per row for each column."""
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rows = []
    for i in range(n):
        female = fake.boolean()
        birth = fake.date_of_birth(minimum_age=18, maximum_age=80)
        rows.append(
            {
                "customer_id": 100001 + i,
                "name": fake.name_female() if female else fake.name_male(),
                "gender": "female" if female else "male",
                "birth_date": birth,
                "age": 2025 - birth.year,
                "city": fake.city_name(),
                "city_tier": fake.random_int(1, 4),
                "phone": fake.phone_number(),
                "signup_date": fake.date_between("-3y", "today"),
                "signup_channel": fake.random_element(["store", "app", "mini_program"]),
                "member_level": fake.random_element(["regular", "silver", "gold"]),
                "household_size": fake.random_int(1, 6),
                "has_children": fake.boolean(),
                "income_band": fake.random_element(["low", "middle", "high"]),
            }
        )
    return pd.DataFrame(rows)


LARGE_CHILD = r"""
import json, sys, time
from coursekit.synth import generate_world
start = time.perf_counter()
world = generate_world(n_customers=int(sys.argv[1]), seed=2026, progress=True)
elapsed = time.perf_counter() - start
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
sizes = {"orders": len(world.orders), "order_items": len(world.order_items),
         "web_events": len(world.web_events)}
t = time.perf_counter()
world.save(sys.argv[2], format="parquet", raw=False)
write = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "peak_gib": int(peak) / 2**20, "write_seconds": write,
                  **sizes}))
"""


# The builders of the raw exports, timed one by one in --write (those that exist).
RAW_BUILDERS = {
    "_crm": "raw/crm_members.xlsx",
    "_pos": "raw/pos_transactions.csv",
    "_online": "raw/online_orders.jsonl",
    "_group_buy": "raw/group_buy_chains.txt",
    "_survey": "raw/survey_export.csv",
    "_identity_key": "raw/identity_key.csv",
}


def clocked(fn, *args, **kwargs):
    """``fn(...)``, its wall time and its CPU time (on a shared machine the steadier one)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_write(n: int, seed: int = 2026) -> None:
    """Time ``World.save`` of an ``n``-member world and the encoding of each file."""
    import hashlib

    from coursekit.synth import generate_world, raw
    from coursekit.synth import io as sio

    world, gen, gen_cpu = clocked(generate_world, n, seed)
    per_file: dict[str, float] = {}
    for name, df in world.tables().items():
        per_file[f"{name}.csv"] = clocked(sio.table_to_csv_bytes, df, name)[2]

    def clock(fn, label):
        def wrapper(*args, **kwargs):
            result, _, per_file[label] = clocked(fn, *args, **kwargs)
            return result

        return wrapper

    originals = {name: getattr(raw, name) for name in RAW_BUILDERS if hasattr(raw, name)}
    for name, fn in originals.items():
        setattr(raw, name, clock(fn, RAW_BUILDERS[name]))
    try:
        _, _, build_raw = clocked(lambda: world.raw.files())
    finally:
        for name, fn in originals.items():
            setattr(raw, name, fn)
    with tempfile.TemporaryDirectory() as tmp:
        world._raw = None  # a fresh save: raw exports built again
        _, save, save_cpu = clocked(world.save, Path(tmp) / "w")
        files = sio.read_manifest(Path(tmp) / "w")["files"]
        digest = hashlib.sha256(
            json.dumps({k.removeprefix("truth/"): v for k, v in files.items() if k != "README.md"},
                       sort_keys=True).encode()
        ).hexdigest()  # fmt: skip
        size = sum(meta["bytes"] for meta in files.values())
    print(f"writing a world of {n:,} members (seed {seed}), {size / 2**20:,.0f} MiB on disk")
    print("                          wall s    CPU s")
    print(f"  generate in memory     {gen:7.2f}  {gen_cpu:7.2f}")
    print(f"  save (csv + raw)       {save:7.2f}  {save_cpu:7.2f}   = {save_cpu / gen_cpu:.1f}x "
          "generating (CPU)")  # fmt: skip
    print(f"  of which raw exports            {build_raw:7.2f}")
    naive_cpu = clocked(naive_customers, n)[2]
    print(f"  naive Faker, one call per field, only the {n:,} customer rows: {naive_cpu:.2f} s CPU")
    print(f"    the whole world in memory is {naive_cpu / gen_cpu:.1f}x faster "
          f"(target > 1: {'met' if gen_cpu < naive_cpu else 'NOT met'}); generated and "
          f"written with its raw exports, {naive_cpu / (gen_cpu + save_cpu):.2f}x")  # fmt: skip
    for label, seconds in sorted(per_file.items(), key=lambda kv: -kv[1]):
        print(f"    {label:30s}      {seconds:6.2f}")
    # The digest leaves out README.md and where the hidden tables live, so that writers
    # before and after truth/ can be compared.
    print(f"  digest of the data     {digest[:16]}  (equal digests: byte-identical files)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also run 1,000,000 customers")
    parser.add_argument("--customers", type=int, default=100_000, help="size of the table race")
    parser.add_argument("--write", action="store_true", help="only time writing a world")
    parser.add_argument("--write-customers", type=int, default=20_000, help="its size")
    args = parser.parse_args()
    if args.write:
        bench_write(args.write_customers)
        return

    from coursekit.synth import generate_world

    world, gen = timed(generate_world)
    _, raw = timed(lambda: world.raw.files())
    with tempfile.TemporaryDirectory() as tmp:
        world._raw = None  # time a fresh save, raw exports included
        _, save = timed(world.save, Path(tmp) / "default")
    print("default world (5,000 customers, 2 years)")
    print(f"  generate tables       {gen:7.2f} s   ({len(world.orders):,} orders)")
    print(f"  build raw exports     {raw:7.2f} s")
    print(f"  save (csv + raw)      {save:7.2f} s")

    n = args.customers
    ours, t_ours = timed(ours_customers, n)
    naive, t_naive = timed(naive_customers, n)
    assert len(ours) == len(naive) == n
    ratio = t_naive / t_ours
    print(f"\ncustomer table, {n:,} rows")
    print(f"  ours (pools, vectorized)   {t_ours:7.2f} s")
    print(f"  naive (Faker per row)      {t_naive:7.2f} s")
    print(f"  speed-up                   {ratio:7.1f}x   (target >= 50x: "
          f"{'met' if ratio >= 50 else 'NOT met'})")  # fmt: skip

    if args.large:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, "-c", LARGE_CHILD, "1000000", str(Path(tmp) / "large")],
                check=True, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print("\n1,000,000 customers in memory (separate process, 2 cores)")
        print(f"  orders {r['orders']:,}   order lines {r['order_items']:,}   "
              f"web events {r['web_events']:,}")  # fmt: skip
        print(f"  generate        {r['seconds']:7.1f} s   = {r['seconds'] / 90:.2f} of the 90 s "
              f"budget ({'met' if r['seconds'] < 90 else 'NOT met'})")  # fmt: skip
        print(f"  peak memory     {r['peak_gib']:7.2f} GiB = {r['peak_gib'] / 8:.2f} of the 8 GiB "
              f"budget ({'met' if r['peak_gib'] < 8 else 'NOT met'})")  # fmt: skip
        print(f"  write parquet   {r['write_seconds']:7.1f} s")


if __name__ == "__main__":
    main()
