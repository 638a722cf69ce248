"""What the chain sells: products per category, with brands, prices and popularity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.params import Params

PRIVATE_LABEL = {"zh_CN": "鲜邻优选", "en_US": "FreshNeighbor Select"}
# The chain earns more on its own brand: this many margin points above the category.
PRIVATE_LABEL_EXTRA_MARGIN = 0.10


def ean13(twelve_digits: np.ndarray) -> np.ndarray:
    """Append the EAN-13 check digit to 12-digit integers (as 13-character strings)."""
    digits = np.array([list(f"{d:012d}") for d in twelve_digits], dtype=int)
    weights = np.tile([1, 3], 6)
    check = (10 - (digits * weights).sum(axis=1) % 10) % 10
    return np.array([f"{d:012d}{c}" for d, c in zip(twelve_digits, check, strict=True)])


def shelf_price(lo: float, hi: float, position: float) -> float:
    """A shelf price ending in .9 at ``position`` (0 cheapest, 1 dearest) of [lo, hi].

    Positions are log-spaced (a premium brand costs a multiple, not a fixed amount,
    more); the rounding never leaves the range.
    """
    raw = lo * (hi / lo) ** position
    price = max(1.0, round(raw)) - 0.1
    if price < lo:
        price += 1.0
    if price > hi:
        price -= 1.0
    return round(min(max(price, lo), hi), 2)


def make_products(params: Params, locale: str, rng: np.random.Generator) -> pd.DataFrame:
    """One product per (item, brand), plus private-label versions of some items.

    Every item has a plausible shelf-price range (``product_items.csv``); a brand sits at
    its own position in that range, a private label near the bottom. ``unit_cost`` follows
    the category's gross margin, higher for the private label (the chain's own brand).

    Returns the products table with two extra columns the world keeps internal:
    ``popularity`` (relative weight of the product within its category, Zipf-like) and
    ``price_position`` (0 cheapest .. 1 dearest within its item), which drives the
    premium choices of high-income members.
    """
    rows = []
    zh = locale == "zh_CN"
    for category, items in params.items.groupby("category", sort=False):
        cat = params.categories.loc[category]
        brands = params.brands[params.brands["category"] == category]
        for _, item in items.iterrows():
            lo, hi = float(item["price_min"]), float(item["price_max"])
            offers = [
                (b["brand_zh"] if zh else b["brand_en"], False, float(rng.uniform(0.2, 1.0)))
                for _, b in brands.iterrows()
            ]
            if rng.random() < cat["private_label_share"] * 2:
                offers.append((PRIVATE_LABEL[locale], True, float(rng.uniform(0.0, 0.25))))
            for brand, private, position in offers:
                price = shelf_price(lo, hi, position)
                margin = float(cat["gross_margin"]) * float(np.exp(rng.normal(0.0, 0.12)))
                margin = min(margin + (PRIVATE_LABEL_EXTRA_MARGIN if private else 0.0), 0.7)
                label = item["item_zh"] if zh else item["item_en"]
                name = (
                    f"{brand}{label} {item['size']}" if zh else f"{brand} {label} {item['size_en']}"
                )
                rows.append(
                    {
                        "name": name,
                        "category": category,
                        "brand": brand,
                        "unit_price": price,
                        "unit_cost": round(price * (1.0 - margin), 2),
                        "is_private_label": private,
                        "price_position": position,
                    }
                )
    products = pd.DataFrame(rows)
    n = len(products)
    products.insert(0, "product_id", np.arange(1, n + 1, dtype=np.int64))
    products.insert(1, "sku", [f"SKU{i:06d}" for i in products["product_id"]])
    products.insert(2, "barcode", ean13(690_000_000_000 + rng.choice(10**9, size=n, replace=False)))
    # Popularity: a random Zipf rank within each category (a few best-sellers, a long tail).
    popularity = np.empty(n)
    for _, idx in products.groupby("category", sort=False).indices.items():
        ranks = rng.permutation(len(idx)) + 1
        popularity[idx] = 1.0 / ranks**1.1
    products["popularity"] = popularity
    return products


# How strongly a member's premium level (0..4, from income, city and price-mindedness)
# tilts the choice within a category towards the dear end of the price range; the lowest
# levels also favour the private label.
PREMIUM_TILT = 1.2
PRIVATE_LABEL_PULL = 0.5
LOOKUP_CELLS = 8192


def pick_by_popularity(
    products: pd.DataFrame,
    categories: list[str],
    category: np.ndarray,
    u: np.ndarray,
    level: np.ndarray | None = None,
) -> np.ndarray:
    """Row of ``products`` for each draw: a product of its category, by popularity.

    ``u`` holds one uniform per draw (inverse CDF of the popularity within the category),
    so a fixed ``u`` gives a fixed product: that is how a customer's usual product works.
    With ``level`` (0..4 per draw), popularity is tilted by each product's place in its
    price range: high levels buy dearer brands, low levels cheaper ones and own brand.
    """
    n_cat = len(categories)
    codes = pd.Categorical(products["category"], categories=categories).codes
    popularity = products["popularity"].to_numpy()
    position = products["price_position"].to_numpy() - 0.5
    private = products["is_private_label"].to_numpy().astype(float)
    levels = [None] if level is None else list(range(5))
    # One lookup row per (level, category): the product at each of LOOKUP_CELLS equal
    # steps of the cumulative share. A draw reads its cell: no search, and the shares are
    # exact to 1 / LOOKUP_CELLS (a product's chance moves by at most 0.0001).
    cells = (np.arange(LOOKUP_CELLS) + 0.5) / LOOKUP_CELLS
    lookup = np.zeros((len(levels) * n_cat, LOOKUP_CELLS), dtype=np.int32)
    for k, lv in enumerate(levels):
        for j in range(n_cat):
            members = np.flatnonzero(codes == j)
            if len(members) == 0:
                continue  # a category without products is never drawn
            weight = popularity[members]
            if lv is not None:
                pull = lv - 2
                weight = weight * np.exp(
                    PREMIUM_TILT * pull * position[members]
                    - PRIVATE_LABEL_PULL * pull * private[members]
                )
            cdf = np.cumsum(weight) / weight.sum()
            pick = np.minimum(np.searchsorted(cdf, cells), len(members) - 1)
            lookup[k * n_cat + j] = members[pick]
    table = np.asarray(category, dtype=np.int64)
    if level is not None:
        table = table + np.asarray(level, dtype=np.int64) * n_cat
    cell = np.minimum((np.asarray(u) * LOOKUP_CELLS).astype(np.int64), LOOKUP_CELLS - 1)
    return lookup[table, cell]
