"""Orders priced from the catalog: TMF622 order items that name an offering of this server's
TMF620 catalog are checked against it, priced from it and given its specification.

Framework-free domain logic over the SID model, called by TMF622's rules when an order is
created. An item's offering reference is the catalog's to judge when it is local: no href, or an
href on this server (stored relative, `/tmf-api/…`). An offering held elsewhere (another
server's href, as partners' catalogs send) is taken as given, priced by the client or not at all.

Money is `decimal.Decimal`: a catalog price is the tax-included amount (retail prices in China
are quoted with VAT), its tax rate the sum of its taxes' rates; the tax-excluded amount is the
included amount less the catalog's tax amount when it gives one, else derived from the rate and
rounded half-up to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, lazyload

from sid_model import ProductOffering, ProductOfferingPrice, ProductOrderItem, ProductSpecification
from tmf_api.apis.billing import price_amounts
from tmf_api.apis.rating import CENT
from tmf_api.apis.tmf620 import offering_prices
from tmf_api.errors import TMFError, bad_request
from tmf_api.registry import lifecycles


def orderable_states() -> list[str]:
    """The catalog lifecycle's states in which an offering (and a price) can be ordered: data,
    the `orderable` group of mappings/TMF620/lifecycles.yaml."""
    return lifecycles("TMF620")["catalogEntity"].groups["orderable"]


# Item actions that take a product on (and so its prices and characteristics); `delete` and
# `noChange` are not priced.
PRICED_ACTIONS = ("add", "modify")
# Usage prices are charged on usage, not on the order: they are not order item prices.
ORDER_PRICE_TYPES = ("oneTime", "recurring")
# References to the catalog are stored relative, like every reference to this server, in the
# version of the request (each reader sees its own): a later change through that version then
# writes them back as they are.
CATALOG_ROOT = "/tmf-api/productCatalogManagement/{version}"


@dataclass(frozen=True)
class CatalogPrice:
    """One order-priceable price of the catalog, in exact decimals."""

    row: ProductOfferingPrice
    kind: str
    period: str | None
    currency: str
    excluded: Decimal
    included: Decimal
    rate: Decimal

    def order_price(self, version: str, part: ProductOffering | None = None) -> dict[str, Any]:
        """The TMF622 OrderPrice of this price (of a bundle's `part`, when priced per part)."""
        name = self.row.name or self.kind
        body: dict[str, Any] = {
            "name": name,
            "description": f"{part.name or part.id} · {name}" if part is not None else self.row.description,
            "priceType": self.kind,
            "price": _price(self.currency, self.excluded, self.included, self.rate),
            "productOfferingPrice": _reference(version, "productOfferingPrice", self.row),
        }
        if self.period:
            body["recurringChargePeriod"] = self.period
        return {k: v for k, v in body.items() if v is not None}


def _reference(version: str, collection: str, row: Any) -> dict[str, Any]:
    href = f"{CATALOG_ROOT.format(version=version)}/{collection}/{row.id}"
    return {"id": row.id, "href": href, "name": row.name}


def _price(currency: str, excluded: Decimal, included: Decimal, rate: Decimal) -> dict[str, Any]:
    # JSON numbers: a two-decimal float's text is its exact decimal (billing reads it back so).
    return {
        "taxRate": float(rate),
        "dutyFreeAmount": {"unit": currency, "value": float(excluded)},
        "taxIncludedAmount": {"unit": currency, "value": float(included)},
    }


def _catalog_price(row: ProductOfferingPrice, now: dt.datetime) -> CatalogPrice | None:
    kind = row.price_type or "oneTime"
    if kind not in ORDER_PRICE_TYPES or row.amount is None or not _valid(row, now):
        return None
    if row.lifecycle_status not in (*orderable_states(), None):
        return None
    excluded, included, rate = catalog_amounts(row)
    period = str(row.recurring_charge_period_type).lower() if kind == "recurring" else None
    return CatalogPrice(row, kind, period, row.currency or "CNY", excluded, included, rate)


def catalog_amounts(row: ProductOfferingPrice) -> tuple[Decimal, Decimal, Decimal]:
    """(tax-excluded, tax-included, rate %) of a catalog price whose amount is tax-included: less
    the catalog's tax amounts where each tax names one, else derived from the rate, to the fen."""
    included = (row.amount or Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    rate = sum((t.tax_rate or Decimal(0) for t in row.taxes), Decimal(0))
    tax_amounts = [t.tax_amount for t in row.taxes if t.tax_amount is not None]
    if tax_amounts and len(tax_amounts) == len(row.taxes):
        excluded = included - sum(tax_amounts, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        excluded = (included / (1 + rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return excluded, included, rate


def _valid(row: Any, now: dt.datetime) -> bool:
    start, end = _aware(row.valid_from), _aware(row.valid_to)
    return (start is None or start <= now) and (end is None or now < end)


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every stored instant is UTC.
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def _items(
    items: list[ProductOrderItem], parent: ProductOrderItem | None = None
) -> Iterator[tuple[ProductOrderItem, ProductOrderItem | None]]:
    for item in items:
        yield item, parent
        yield from _items(item.children, item)


def _label(item: ProductOrderItem) -> str:
    return f"productOrderItem {item.item_id!r}" if item.item_id is not None else "a productOrderItem"


def price_order(session: Session, items: list[ProductOrderItem], now: dt.datetime, version: str) -> None:
    """Check, price and specify every item (nested ones too) naming a local offering; a 400 TMF
    Error naming the item when its offering is not one this catalog holds and can sell now."""
    offerings: dict[str, ProductOffering] = {}
    for item, parent in _items(items):
        offering_id = item.product_offering_id
        extension = dict(item.extension or {})
        href = (extension.get("productOffering") or {}).get("href")
        if offering_id is None or (isinstance(href, str) and not href.startswith("/tmf-api/")):
            continue  # no offering, or another server's: not this catalog's to judge
        if href is not None and str(href).rstrip("/").rsplit("/", 2)[-2:] != ["productOffering", offering_id]:
            raise _refused(
                item, f"productOffering {offering_id!r}: its href {href!r} names no offering of this server"
            )
        offering = offerings.get(offering_id) or _orderable(session, item, offering_id, now)
        if offering_id not in offerings and offering.is_bundle:
            # A bundle sells its parts: each part this catalog holds must be orderable too.
            for part in offering.bundled_offerings:
                held = session.scalar(select(ProductOffering.id).where(ProductOffering.id == part.ref_id))
                if held is not None:
                    _orderable(session, item, held, now)
        offerings[offering_id] = offering
        if item.action not in PRICED_ACTIONS:
            continue
        covered = (
            parent is not None
            and parent.product_offering_id in offerings
            and any(
                part.ref_id == offering_id for part in offerings[parent.product_offering_id].bundled_offerings
            )
        )
        if not covered:
            _set_prices(session, item, extension, offering, now, version)
        _set_specification(session, item, extension, offering, version)
        item.extension = extension


def _orderable(
    session: Session, item: ProductOrderItem, offering_id: str, now: dt.datetime
) -> ProductOffering:
    # One statement each: the offering with its price references, the prices with their taxes.
    offering = (
        session.scalars(
            select(ProductOffering)
            .where(ProductOffering.id == offering_id)
            .options(lazyload("*"), joinedload(ProductOffering.prices))
        )
        .unique()
        .one_or_none()
    )
    if offering is None:
        raise _refused(item, f"productOffering {offering_id!r} is not an offering of this catalog")
    if offering.lifecycle_status not in orderable_states():
        raise _refused(
            item,
            f"productOffering {offering_id!r} cannot be ordered: its lifecycleStatus is "
            f"{offering.lifecycle_status!r}, not {' or '.join(orderable_states())}",
        )
    if not _valid(offering, now):
        start, end = _aware(offering.valid_from), _aware(offering.valid_to)
        raise _refused(
            item,
            f"productOffering {offering_id!r} cannot be ordered now: it is valid from "
            f"{start.isoformat() if start else 'any time'} to {end.isoformat() if end else 'any time'}",
        )
    return offering


def _refused(item: ProductOrderItem, message: str) -> TMFError:
    return bad_request(f"{_label(item)}: {message}", reason="Offering not orderable")


def _prices(session: Session, offering: ProductOffering, now: dt.datetime) -> list[CatalogPrice]:
    found = (_catalog_price(row, now) for row in offering_prices(session, offering))
    return [p for p in found if p is not None]


def _set_prices(
    session: Session,
    item: ProductOrderItem,
    extension: dict[str, Any],
    offering: ProductOffering,
    now: dt.datetime,
    version: str,
) -> None:
    catalog = _prices(session, offering, now)
    parts: list[tuple[CatalogPrice, ProductOffering | None]] = [(p, None) for p in catalog]
    if not catalog and offering.is_bundle:
        # A bundle without a price of its own costs what its parts cost: one price per part.
        for part in offering.bundled_offerings:
            held = session.scalars(
                select(ProductOffering).where(ProductOffering.id == part.ref_id)
            ).one_or_none()
            if held is not None:
                parts.extend((p, held) for p in _prices(session, held, now))
    sent = extension.get("itemPrice")
    if not sent:
        if not parts:
            return
        extension["itemPrice"] = [p.order_price(version, part) for p, part in parts]
    else:
        extension["itemPrice"] = [_altered(dict(price), [p for p, _ in parts], version) for price in sent]
    extension["itemTotalPrice"] = _totals(extension["itemPrice"], item.quantity or 1)


def _match(price: dict[str, Any], catalog: list[CatalogPrice]) -> CatalogPrice | None:
    """The catalog price a client's OrderPrice stands for: the one it names, else the one of its
    name, else the only one of its kind and charge period."""
    named = (price.get("productOfferingPrice") or {}).get("id")
    if named is not None:
        return next((p for p in catalog if p.row.id == named), None)
    by_name = [p for p in catalog if price.get("name") and p.row.name == price.get("name")]
    if len(by_name) == 1:
        return by_name[0]
    kind, period = price.get("priceType") or "oneTime", price.get("recurringChargePeriod")
    same = [
        p
        for p in catalog
        if p.kind == kind and (p.period or None) == (str(period).lower() if period else None)
    ]
    return same[0] if len(same) == 1 else None


def _altered(price: dict[str, Any], catalog: list[CatalogPrice], version: str) -> dict[str, Any]:
    """A client's price as sent; where it contradicts the catalog, the difference (sent − catalog)
    is recorded as a priceAlteration naming the catalog price."""
    match = _match(price, catalog)
    amounts = price_amounts(price.get("price") or {})
    if match is None or amounts is None:
        return price
    currency, excluded, included, rate = amounts
    if (currency, excluded, included, rate) == (match.currency, match.excluded, match.included, match.rate):
        return price
    alteration: dict[str, Any] = {
        "name": "与目录价格不符",
        "description": (
            f"Sent price differs from catalog price {match.row.id} ({match.included} {match.currency} "
            f"incl. {match.rate}% tax): the sent price is kept"
        ),
        "priceType": match.kind,
        "price": _price(currency, excluded - match.excluded, included - match.included, rate),
        "productOfferingPrice": _reference(version, "productOfferingPrice", match.row),
    }
    if match.period:
        alteration["recurringChargePeriod"] = match.period
    recorded = price.get("priceAlteration") or []
    if _untyped(alteration) in [_untyped(a) for a in recorded]:  # priced again (a PATCH): once
        return price
    return price | {"priceAlteration": [*recorded, alteration]}


def _untyped(value: Any) -> Any:
    """`value` without `@type`s, which v5 writes carry and v4 ones do not."""
    if isinstance(value, dict):
        return {k: _untyped(v) for k, v in value.items() if k != "@type"}
    if isinstance(value, list):
        return [_untyped(v) for v in value]
    return value


def _totals(prices: list[dict[str, Any]], quantity: int) -> list[dict[str, Any]]:
    """v5 itemTotalPrice: the item's prices summed by kind and charge period, times its quantity."""
    sums: dict[tuple[str, str | None], tuple[str, Decimal, Decimal, Decimal]] = {}
    for price in prices:
        amounts = price_amounts(price.get("price") or {})
        if amounts is None:
            continue
        currency, excluded, included, rate = amounts
        key = (price.get("priceType") or "oneTime", price.get("recurringChargePeriod"))
        _, e, i, r = sums.get(key, (currency, Decimal(0), Decimal(0), rate))
        # Mixed tax rates in one total: the total's rate is the effective one.
        sums[key] = (
            currency,
            e + excluded * quantity,
            i + included * quantity,
            r if r == rate else Decimal(-1),
        )
    totals = []
    for (kind, period), (currency, excluded, included, rate) in sums.items():
        if rate < 0:
            rate = ((included / excluded - 1) * 100).quantize(Decimal("0.01")) if excluded else Decimal(0)
        total: dict[str, Any] = {
            "name": kind,
            "priceType": kind,
            "price": _price(currency, excluded, included, rate),
        }
        if period:
            total["recurringChargePeriod"] = period
        totals.append(total)
    return totals


def _set_specification(
    session: Session,
    item: ProductOrderItem,
    extension: dict[str, Any],
    offering: ProductOffering,
    version: str,
) -> None:
    """The item's product carries the offering's specification and the characteristics it
    defines: defaults filled in (the offering's own, else the specification's), a characteristic
    the specification does not define refused."""
    product = dict(extension.get("product") or {})
    sent = list(product.get("productCharacteristic") or [])
    if offering.specification_id is None:
        return
    spec = (
        session.scalars(
            select(ProductSpecification)
            .where(ProductSpecification.id == offering.specification_id)
            .options(lazyload("*"), joinedload(ProductSpecification.characteristics))
        )
        .unique()
        .one_or_none()
    )
    if spec is None:
        return
    product.setdefault(
        "productSpecification",
        _reference(version, "productSpecification", spec)
        | ({"version": spec.version} if spec.version else {}),
    )
    defined = {c.name: c for c in spec.characteristics if c.name}
    for characteristic in sent:
        name = characteristic.get("name") if isinstance(characteristic, dict) else None
        if name not in defined:
            raise bad_request(
                f"{_label(item)}: characteristic {name!r} is not one specification {spec.id!r} defines "
                f"({', '.join(defined) or 'none'})",
                reason="Characteristic not allowed",
            )
    given = {c.get("name") for c in sent}
    uses = {u.get("name"): u for u in (offering.extension or {}).get("prodSpecCharValueUse") or []}
    for name, spec_char in defined.items():
        if name in given:
            continue
        default = _default(uses.get(name) or {}, "productSpecCharacteristicValue")
        if default is None:
            default = _default(
                spec_char.extension or {},
                "characteristicValueSpecification",
                "productSpecCharacteristicValue",
            )
        if default is None:
            continue
        # No `@type`: v4 knows no Characteristic subtypes, v5 shows the one it fills in.
        sent.append(
            {
                "name": name,
                "valueType": spec_char.value_type or "string",
                "value": default,
            }
        )
    if sent:
        product["productCharacteristic"] = sent
    extension["product"] = product


def _default(holder: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        for value in holder.get(key) or []:
            if isinstance(value, dict) and value.get("isDefault") and "value" in value:
                return value["value"]
    return None
