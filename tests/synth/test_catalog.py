"""Every product has a plausible shelf price of its own and a unit cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.synth.catalog import shelf_price
from coursekit.synth.params import load_params


def _with_items(world) -> pd.DataFrame:
    """Products with their item's price range (a name ends with the item and its size)."""
    items = load_params().items
    zh = world.params["locale"] == "zh_CN"
    suffix = (
        items["item_zh"] + " " + items["size"]
        if zh
        else (" " + items["item_en"] + " " + items["size_en"])
    )
    rows = []
    for name, category in zip(world.products["name"], world.products["category"], strict=True):
        ends = np.array([name.endswith(x) for x in suffix])
        hit = items[(items["category"] == category).to_numpy() & ends]
        assert len(hit) == 1, name
        rows.append(hit.index[0])
    return world.products.assign(
        item_en=items.loc[rows, "item_en"].to_numpy(),
        price_min=items.loc[rows, "price_min"].to_numpy(),
        price_max=items.loc[rows, "price_max"].to_numpy(),
    )


@pytest.mark.parametrize("which", ["small_world", "small_world_en"])
def test_every_product_inside_its_item_price_range(which, request):
    products = _with_items(request.getfixturevalue(which))
    inside = products["unit_price"].between(products["price_min"], products["price_max"])
    assert inside.all(), products.loc[~inside, ["name", "unit_price", "price_min", "price_max"]]
    # The examples a shopper would check.
    by_item = products.groupby("item_en")["unit_price"]
    assert by_item.min()["Infant formula"] >= 180 and by_item.max()["Chicken breast"] <= 30


def test_costs_below_prices_and_own_brand_earns_more(small_world):
    p = small_world.products
    assert (p["unit_cost"] > 0).all() and (p["unit_cost"] < p["unit_price"]).all()
    margin = 1 - p["unit_cost"] / p["unit_price"]
    own = margin[p["is_private_label"]].mean()
    assert own > margin[~p["is_private_label"]].mean() + 0.05


@pytest.mark.parametrize(
    ("lo", "hi", "position"),
    [(3, 7, 0.0), (3, 7, 1.0), (2.5, 6, 0.5), (180, 400, 0.99), (4, 7, 0.03), (3, 5, 0.6)],
)
def test_shelf_price_ends_in_9_and_stays_in_range(lo, hi, position):
    price = shelf_price(lo, hi, position)
    assert lo <= price <= hi
    assert round(price * 10) % 10 == 9 or price in (lo, hi)
