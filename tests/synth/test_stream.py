"""A world streamed block by block into partitioned Parquet (coursekit.synth.stream)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from coursekit.cli import main
from coursekit.synth import generate_world, load_world
from coursekit.synth import parquet as spq
from coursekit.synth.campaigns import TOP_RULE, top_rule_cut
from coursekit.synth.stream import (
    BLOCK_MEMBERS,
    PhoneNumbers,
    blocks,
    take_census,
    write_partitioned_world,
)
from coursekit.synth.world import GeneratorInputError, _stream, shared_parts


def _manifest(path):
    return json.loads((path / "MANIFEST").read_text())


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    """A world of 2,500 members (three blocks, the last one smaller), in chunks of 1,000."""
    path = tmp_path_factory.mktemp("streamed") / "w"
    write_partitioned_world(path, 2_500, 5, "2024-01-01", "2025-12-31", chunk_size=1_000)
    return path


@pytest.mark.slow
def test_the_files_do_not_depend_on_the_chunk_size(tmp_path):
    """20,000 members in one chunk and in chunks of 3,000: the same files, byte for byte."""
    one = write_partitioned_world(tmp_path / "one", 20_000, 9, chunk_size=20_000)
    many = write_partitioned_world(tmp_path / "many", 20_000, 9, chunk_size=3_000)
    assert _manifest(one)["files"] == _manifest(many)["files"]
    orders = sorted(p.relative_to(one).as_posix() for p in (one / "orders").rglob("*.parquet"))
    assert len(orders) == 24 and orders[0] == "orders/month=2024-01/part-00000.parquet"
    for rel in ("orders/month=2025-06/part-00000.parquet", "customers/part-00000.parquet"):
        assert (one / rel).read_bytes() == (many / rel).read_bytes()


def test_another_seed_gives_other_files(streamed, tmp_path):
    other = write_partitioned_world(tmp_path / "o", 2_500, 6, chunk_size=1_000)
    first, second = _manifest(streamed)["files"], _manifest(other)["files"]
    assert first.keys() == second.keys()
    name = "orders/month=2025-01/part-00000.parquet"
    assert first[name]["sha256"] != second[name]["sha256"]


def test_a_streamed_world_reads_back_and_keeps_its_ids_unique(streamed):
    world = load_world(streamed)
    manifest = _manifest(streamed)
    assert manifest["format"] == "parquet" and manifest["layout"]["kind"] == "hive"
    for name, df in world.tables().items():
        assert len(df) == manifest["rows"][name], name
    customers = world.customers
    assert customers["customer_id"].tolist() == list(range(100001, 100001 + 2_500))
    assert customers["phone"].is_unique
    for name, key in (("orders", "order_id"), ("web_events", "event_id")):
        ids = np.sort(getattr(world, name)[key].to_numpy())
        assert ids[0] in (1, 1_000_001) and (np.diff(ids) == 1).all(), name  # runs on
    # A session belongs to one member; every line belongs to an order of its month folder.
    sessions = world.web_events.groupby("session_id")["customer_id"].nunique()
    assert (sessions == 1).all()
    assert world.order_items["order_id"].isin(world.orders["order_id"]).all()
    assert world.orders["customer_id"].isin(customers["customer_id"]).all()
    # Signup order within each block: member numbers grow with the signup date.
    for block in blocks(2_500):
        part = customers.iloc[block.first_member : block.first_member + block.size]
        assert part["signup_date"].is_monotonic_increasing


def test_order_lines_lie_in_the_month_folder_of_their_order(streamed):
    import pyarrow.parquet as pq

    months = {}
    for file in (streamed / "orders").rglob("*.parquet"):
        ids = pq.read_table(file, columns=["order_id"])["order_id"].to_numpy()
        months.update(dict.fromkeys(ids.tolist(), file.parent.name))
    for file in (streamed / "order_items").rglob("*.parquet"):
        ids = pq.read_table(file, columns=["order_id"])["order_id"].to_numpy()
        assert {months[i] for i in ids.tolist()} <= {file.parent.name}


def _vip_audience_follows_the_rule(world) -> tuple[set, set]:
    """The members the members' day invites, and those its rule selects from the tables.

    The rule: members who joined before the start, with at least the cut's number of
    orders (any status) in the 180 days before it, the cut taken at the top 20% of all
    such buyers of the world.
    """
    campaigns = world.campaigns
    vip = campaigns[campaigns["type"] == "vip_event"].iloc[0]
    start = vip["start_date"]
    orders = world.orders
    window = orders[
        (orders["order_ts"] < start) & (orders["order_ts"] >= start - pd.Timedelta(180, "D"))
    ]
    joined = world.customers.loc[world.customers["signup_date"] < start, "customer_id"]
    counts = window.groupby("customer_id").size().reindex(joined, fill_value=0)
    cut = top_rule_cut(np.bincount(counts.to_numpy()))
    selected = set(counts.index[counts >= cut])
    assigned = world.campaign_assignments
    invited = set(assigned.loc[assigned["campaign_id"] == vip["campaign_id"], "customer_id"])
    return invited, selected


def test_the_members_day_takes_the_top_members_of_the_whole_world(streamed):
    """The cut is the world's, not each block's (a per-block cut would differ)."""
    invited, selected = _vip_audience_follows_the_rule(load_world(streamed))
    assert invited == selected and len(invited) > 100


def test_the_rule_check_holds_for_a_world_in_memory_too():
    invited, selected = _vip_audience_follows_the_rule(generate_world(600, seed=3))
    assert invited == selected


def test_a_cut_per_block_would_differ(streamed):
    """What the census prevents: each block's own top 20% is another audience."""
    world = load_world(streamed)
    vip = world.campaigns[world.campaigns["type"] == "vip_event"].iloc[0]
    start = vip["start_date"]
    orders = world.orders
    window = orders[
        (orders["order_ts"] < start) & (orders["order_ts"] >= start - pd.Timedelta(180, "D"))
    ]
    joined = world.customers.loc[world.customers["signup_date"] < start, "customer_id"]
    counts = window.groupby("customer_id").size().reindex(joined, fill_value=0)
    block_of = (counts.index - 100001) // BLOCK_MEMBERS
    per_block = set()
    for _, part in counts.groupby(block_of):
        cut = top_rule_cut(np.bincount(part.to_numpy()))
        per_block |= set(part.index[part >= cut])
    invited, _ = _vip_audience_follows_the_rule(world)
    assert per_block != invited


def test_the_census_adds_up_the_traits_of_every_block():
    from coursekit.synth.lifecycle import competitor_openings
    from coursekit.synth.population import make_customers, make_latent
    from coursekit.synth.stream import block_stream

    shared = shared_parts(4, pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"), "zh_CN")
    competitor = competitor_openings(shared.stores, shared.n_days, _stream(4, "competitor"))
    phones = PhoneNumbers(4, "zh_CN")
    census = take_census(shared, 2_300, competitor, phones)
    traits = []
    for block in blocks(2_300):
        _, membership = make_customers(
            shared.params, block.size, shared.start, shared.n_days, "zh_CN",
            block_stream(4, "customers", block.index), shared.pools, shared.stores,
            first_id=block.first_customer_id, phone_numbers=phones,
        )  # fmt: skip
        traits.append(
            make_latent(shared.params, membership, block_stream(4, "latent", block.index)).traits
        )
    every = np.vstack(traits)
    mean, sd = census.trait_moments
    np.testing.assert_allclose(mean, every.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(sd, every.std(axis=0), rtol=1e-10)
    assert set(census.cuts) == {
        int(c)
        for c, r in zip(shared.campaigns["campaign_id"], shared.campaigns["_target"], strict=True)
        if r == TOP_RULE
    }


@pytest.mark.parametrize("locale", ["zh_CN", "en_US"])
def test_phone_numbers_are_distinct_across_the_world(locale):
    phones = PhoneNumbers(11, locale)
    ids = np.arange(100001, 100001 + 300_000)
    area = np.full(len(ids), 212)
    numbers = phones(ids, area)
    assert len(np.unique(numbers)) == len(ids)
    pattern = r"1\d{10}" if locale == "zh_CN" else r"212[2-9]\d{6}"
    assert pd.Series(numbers.astype(str)).str.fullmatch(pattern).all()
    assert not np.array_equal(numbers, PhoneNumbers(12, locale)(ids, area))  # keyed by the seed


def test_top_rule_cut_is_the_sorted_rule():
    rng = np.random.default_rng(0)
    for _ in range(50):
        counts = rng.integers(1, 30, rng.integers(1, 400))
        expected = np.sort(counts)[::-1][max(int(np.ceil(0.2 * len(counts))) - 1, 0)]
        assert top_rule_cut(np.bincount(counts)) == expected
    assert top_rule_cut(np.array([5])) is None  # members without orders are no buyers


@pytest.mark.parametrize("chunk", [0, 1_500, -1_000, 2.5, True])
def test_a_chunk_that_is_not_whole_blocks_is_refused(tmp_path, chunk):
    with pytest.raises(GeneratorInputError, match="chunk size"):
        write_partitioned_world(tmp_path / "w", 100, 1, chunk_size=chunk)
    assert not (tmp_path / "w").exists()


def test_the_cli_writes_a_partitioned_world_and_refuses_a_chunk_for_csv(tmp_path, capsys):
    out = tmp_path / "pq"
    args = ["data", "generate", "--customers", "30", "--start", "2025-11-01", "--end", "2025-12-31"]
    assert main([*args, "--format", "parquet", "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in (out / "orders").iterdir()) == ["month=2025-11", "month=2025-12"]
    assert set(_manifest(out)["files"]) == set(
        spq.planned_files(30, pd.Timestamp("2025-11-01"), pd.Timestamp("2025-12-31"))
    ) - {"MANIFEST"}
    assert main(["data", "verify", str(out)]) == 0
    capsys.readouterr()
    code = main([*args, "--chunk-size", "2000", "--out", str(tmp_path / "csv"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "--chunk-size is only taken with --format parquet" in err
    assert not (tmp_path / "csv").exists()


def test_the_data_dictionary_of_a_partitioned_world_says_how_blocks_fit(streamed):
    readme = (streamed / "README.md").read_text()
    assert "orders/month=YYYY-MM/part-NNNNN.parquet" in readme
    for words in ("census", "top 20%", "phone", "接龙"):
        assert words in readme
