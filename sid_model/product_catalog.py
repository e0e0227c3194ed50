"""SID Product ABE: the operator's catalog (TMF620).

ProductCatalog and Category organise what is sold; ProductOffering is what is sold (a
ProductSpecification with its prices, simple or a bundle of other offerings); ProductOfferingPrice
holds one price: an exact decimal amount in a currency, with its tax rate, never a float.
ImportJob and ExportJob move catalog content in and out as JSON documents.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import Boolean, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Positioned, Rendered
from sid_model.common import Child, RelatedParty, children

# Catalog amounts: usage prices go below the cent (0.0003 CNY per KB), bills round to the cent.
CatalogAmount = Numeric(18, 4)
Rate = Numeric(7, 4)


class ValidFor:
    """TMF TimePeriod `validFor`: when an entity of the catalog is valid."""

    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()


class CatalogEntity(Identified, Extensible, ValidFor, Rendered):
    """What every catalog entity carries: name, description, version, lifecycle, last update."""

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(String(50))
    lifecycle_status: Mapped[str | None] = mapped_column(String(50), index=True)
    last_update: Mapped[dt.datetime | None] = mapped_column(index=True)


class EntityRefColumns(Extensible, Positioned):
    """A reference to another catalog entity (CategoryRef, ProductOfferingRef …)."""

    ref_id: Mapped[str | None] = mapped_column(String(200), index=True)
    ref_href: Mapped[str | None] = mapped_column(String(500))
    ref_name: Mapped[str | None] = mapped_column(String(500))
    ref_version: Mapped[str | None] = mapped_column(String(50))
    ref_referred_type: Mapped[str | None] = mapped_column(String(100))


class EntityRef(Child, EntityRefColumns):
    __abstract__ = True
    suffix = "ref"


class ProductCatalog(Base, CatalogEntity):
    """A collection of offerings, organised in categories, offered to a market (TMF620 catalog)."""

    __tablename__ = "product_catalog"

    catalog_type: Mapped[str | None] = mapped_column(String(100), index=True)

    related_parties: Mapped[list[ProductCatalogRelatedParty]] = children("ProductCatalogRelatedParty")
    categories: Mapped[list[ProductCatalogCategory]] = children("ProductCatalogCategory")


class ProductCatalogRelatedParty(RelatedParty, owner=ProductCatalog, key="catalog_pk"):
    """A party of the catalog (its owner, the channel partner it is offered through …)."""


class ProductCatalogCategory(EntityRef, owner=ProductCatalog, key="catalog_pk", suffix="category"):
    """A category the catalog holds."""


class Category(Base, CatalogEntity):
    """A group of offerings and sub-categories (5G套餐, 宽带, 增值业务 …)."""

    __tablename__ = "category"

    is_root: Mapped[bool | None] = mapped_column(Boolean)
    # v4 `parentId`, v5 `parent.id`: one column.
    parent_id: Mapped[str | None] = mapped_column(String(200), index=True)

    sub_categories: Mapped[list[CategorySubCategory]] = children("CategorySubCategory")
    product_offerings: Mapped[list[CategoryProductOffering]] = children("CategoryProductOffering")


class CategorySubCategory(EntityRef, owner=Category, key="category_pk", suffix="sub_category"):
    """A sub-category of the category."""


class CategoryProductOffering(EntityRef, owner=Category, key="category_pk", suffix="product_offering"):
    """An offering the category groups."""


class ProductSpecification(Base, CatalogEntity):
    """The description of a product and the characteristics it can take."""

    __tablename__ = "product_specification"

    brand: Mapped[str | None] = mapped_column(String(200), index=True)
    product_number: Mapped[str | None] = mapped_column(String(100), index=True)
    is_bundle: Mapped[bool | None] = mapped_column(Boolean)

    related_parties: Mapped[list[ProductSpecificationRelatedParty]] = children(
        "ProductSpecificationRelatedParty"
    )
    characteristics: Mapped[list[ProductSpecificationCharacteristic]] = children(
        "ProductSpecificationCharacteristic"
    )
    bundled_specifications: Mapped[list[ProductSpecificationBundled]] = children(
        "ProductSpecificationBundled"
    )


class ProductSpecificationRelatedParty(RelatedParty, owner=ProductSpecification, key="specification_pk"):
    """A party of the specification (its owner, the supplier of a handset …)."""


class ProductSpecificationCharacteristic(
    Child, Extensible, Positioned, owner=ProductSpecification, key="specification_pk", suffix="characteristic"
):
    """A characteristic the product can take (流量, 通话分钟, 带宽 …); its allowed values are
    kept with the row's extension as sent."""

    name: Mapped[str | None] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    value_type: Mapped[str | None] = mapped_column(String(50))
    configurable: Mapped[bool | None] = mapped_column(Boolean)
    min_cardinality: Mapped[int | None] = mapped_column(Integer)
    max_cardinality: Mapped[int | None] = mapped_column(Integer)


class ProductSpecificationBundled(
    EntityRef, owner=ProductSpecification, key="specification_pk", suffix="bundled"
):
    """A specification this bundle specification is made of."""


class ProductOffering(Base, CatalogEntity):
    """What is sold: a specification with its prices and categories, simple or a bundle."""

    __tablename__ = "product_offering"

    is_bundle: Mapped[bool | None] = mapped_column(Boolean, index=True)
    is_sellable: Mapped[bool | None] = mapped_column(Boolean)
    status_reason: Mapped[str | None] = mapped_column(Text)
    specification_id: Mapped[str | None] = mapped_column(String(200), index=True)
    specification_href: Mapped[str | None] = mapped_column(String(500))
    specification_name: Mapped[str | None] = mapped_column(String(500))
    specification_version: Mapped[str | None] = mapped_column(String(50))
    specification_referred_type: Mapped[str | None] = mapped_column(String(100))

    prices: Mapped[list[ProductOfferingPriceLink]] = children("ProductOfferingPriceLink")
    categories: Mapped[list[ProductOfferingCategory]] = children("ProductOfferingCategory")
    bundled_offerings: Mapped[list[ProductOfferingBundled]] = children("ProductOfferingBundled")


class ProductOfferingPriceLink(EntityRef, owner=ProductOffering, key="offering_pk", suffix="price_ref"):
    """A price of the offering (by reference; an inline v5 value stays in the extension)."""


class ProductOfferingCategory(EntityRef, owner=ProductOffering, key="offering_pk", suffix="category"):
    """A category the offering is listed in."""


class ProductOfferingBundled(EntityRef, owner=ProductOffering, key="offering_pk", suffix="bundled"):
    """An offering this bundle is made of (5G套餐 in 融合套餐 …)."""


class ProductOfferingPrice(Base, CatalogEntity):
    """One price: one-time, recurring (with its charge period) or usage, in a currency, with tax."""

    __tablename__ = "product_offering_price"

    price_type: Mapped[str | None] = mapped_column(String(50), index=True)
    is_bundle: Mapped[bool | None] = mapped_column(Boolean)
    recurring_charge_period_type: Mapped[str | None] = mapped_column(String(50))
    recurring_charge_period_length: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[decimal.Decimal | None] = mapped_column(CatalogAmount)
    percentage: Mapped[decimal.Decimal | None] = mapped_column(Rate)
    unit_amount: Mapped[decimal.Decimal | None] = mapped_column(CatalogAmount)
    unit: Mapped[str | None] = mapped_column(String(50))

    taxes: Mapped[list[ProductOfferingPriceTax]] = children("ProductOfferingPriceTax")


class ProductOfferingPriceTax(
    Child, Extensible, Positioned, owner=ProductOfferingPrice, key="price_pk", suffix="tax"
):
    """A tax on the price (增值税 9 % on basic telecom, 6 % on value-added services …)."""

    tax_category: Mapped[str | None] = mapped_column(String(100))
    tax_rate: Mapped[decimal.Decimal | None] = mapped_column(Rate)
    tax_currency: Mapped[str | None] = mapped_column(String(3))
    tax_amount: Mapped[decimal.Decimal | None] = mapped_column(CatalogAmount)


class CatalogJob(Identified, Extensible, Rendered):
    """A task moving catalog content: its status, where the content is, what went wrong."""

    status: Mapped[str | None] = mapped_column(String(50), index=True)
    content_type: Mapped[str | None] = mapped_column(String(100))
    path: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000))
    error_log: Mapped[str | None] = mapped_column(Text)
    creation_date: Mapped[dt.datetime | None] = mapped_column(index=True)
    completion_date: Mapped[dt.datetime | None] = mapped_column()


class ImportJob(Base, CatalogJob):
    """Reads a catalog document (an export of this server, or an allowed file) into the catalog."""

    __tablename__ = "import_job"


class ExportJob(Base, CatalogJob):
    """Writes the catalog content its query and path select as one JSON document."""

    __tablename__ = "export_job"

    query: Mapped[str | None] = mapped_column(Text)
    # The exported document, served at the job's url (`<base>/exportJob/{id}/content`).
    content: Mapped[dict[str, Any] | None] = mapped_column()
