"""What the chain sells: products per category, with brands, prices and popularity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.params import Params

PRIVATE_LABEL = {"zh_CN": "鲜邻优选", "en_US": "FreshNeighbor Select"}


def ean13(twelve_digits: np.ndarray) -> np.ndarray:
    """Append the EAN-13 check digit to 12-digit integers (as 13-character strings)."""
    digits = np.array([list(f"{d:012d}") for d in twelve_digits], dtype=int)
    weights = np.tile([1, 3], 6)
    check = (10 - (digits * weights).sum(axis=1) % 10) % 10
    return np.array([f"{d:012d}{c}" for d, c in zip(twelve_digits, check, strict=True)])


def make_products(params: Params, locale: str, rng: np.random.Generator) -> pd.DataFrame:
    """One product per (item, brand), plus private-label versions of some items.

    Returns the products table with an extra ``popularity`` column (relative weight of
    the product within its category, Zipf-like), which the world keeps internal.
    """
    rows = []
    zh = locale == "zh_CN"
    for category, items in params.items.groupby("category", sort=False):
        cat = params.categories.loc[category]
        brands = params.brands[params.brands["category"] == category]
        for _, item in items.iterrows():
            item_factor = float(np.exp(rng.normal(0.0, cat["price_sigma"])))
            base = float(cat["price_median"]) * item_factor
            offers = [(b["brand_zh"] if zh else b["brand_en"], False) for _, b in brands.iterrows()]
            if rng.random() < cat["private_label_share"] * 2:
                offers.append((PRIVATE_LABEL[locale], True))
            for brand, private in offers:
                premium = 0.8 if private else float(np.exp(rng.normal(0.0, 0.15)))
                price = max(1.0, round(base * premium)) - 0.1  # shelf prices end in .9
                label = item["item_zh"] if zh else item["item_en"]
                name = (
                    f"{brand}{label} {item['size']}" if zh else f"{brand} {label} {item['size_en']}"
                )
                rows.append(
                    {
                        "name": name,
                        "category": category,
                        "brand": brand,
                        "unit_price": round(price, 2),
                        "is_private_label": private,
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


def pick_by_popularity(
    products: pd.DataFrame, categories: list[str], category: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Row of ``products`` for each draw: a product of its category, by popularity.

    ``u`` holds one uniform per draw (inverse CDF of the popularity within the category),
    so a fixed ``u`` gives a fixed product: that is how a customer's usual product works.
    """
    codes = pd.Categorical(products["category"], categories=categories).codes
    popularity = products["popularity"].to_numpy()
    rows = np.zeros(len(category), dtype=np.int32)
    for j in range(len(categories)):
        members = np.flatnonzero(codes == j)
        sel = np.flatnonzero(category == j)
        if len(members) == 0 or len(sel) == 0:
            continue
        cdf = np.cumsum(popularity[members]) / popularity[members].sum()
        rows[sel] = members[np.minimum(np.searchsorted(cdf, u[sel]), len(members) - 1)]
    return rows
