"""TMF620 Product Catalog, v4 and v5: the generic contracts filled with the operator's catalog, plus
the API's own rules (catalog lifecycle, exact prices, import and export jobs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from sid_model import ProductOfferingPrice
from tests.api.contract import (
    DeleteContract,
    JsonPatchContract,
    LifecycleContract,
    PatchContract,
    ReadContract,
    assert_tmf_error,
)
from tests.fixtures.app import CheckedClient, make_client
from tmf_api.apis.tmf620 import offering_prices

V4 = "/tmf-api/productCatalogManagement/v4"
V5 = "/tmf-api/productCatalogManagement/v5"
MERGE = {"content-type": "application/merge-patch+json"}
V4_MEDIA = ("application/merge-patch+json", "application/json")
V5_MEDIA = (*V4_MEDIA, "application/json-patch+json", "application/json-patch-query+json")
# The published v5 document requires both on create of offerings, specifications and prices;
# the server sets lastUpdate itself.
V5_REQUIRED = {"lastUpdate": "2026-12-01T00:00:00.000Z", "lifecycleStatus": "In study"}


def _typed(version: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"@type": name} | body if version == "v5" else body


def _ref(version: str, type_name: str, /, **ref: Any) -> dict[str, Any]:
    return _typed(version, type_name, ref)


def specification(version: str, marker: str) -> dict[str, Any]:
    body = {
        "name": "5G畅享套餐规格",
        "description": marker,
        "brand": "中国电信",
        "version": "1.0",
        "productSpecCharacteristic": [
            _typed(
                version,
                "CharacteristicSpecification" if version == "v5" else "ProductSpecificationCharacteristic",
                {
                    "name": "流量",
                    "description": "Monthly data allowance (GB)",
                    "valueType": "integer",
                    "configurable": False,
                },
            )
        ],
    }
    return _typed(version, "ProductSpecification", body | (V5_REQUIRED if version == "v5" else {}))


def offering_price(version: str, marker: str) -> dict[str, Any]:
    body = {
        "name": "5G畅享套餐 128元 月租",
        "description": marker,
        "priceType": "recurring",
        "recurringChargePeriodType": "month",
        "recurringChargePeriodLength": 1,
        "price": _typed(version, "Money", {"unit": "CNY", "value": 128.0}),
        "tax": [
            _typed(
                version,
                "TaxItem",
                {
                    "taxCategory": "VAT",
                    "taxRate": 9.0,
                    "taxAmount": _typed(version, "Money", {"unit": "CNY", "value": 10.57}),
                },
            )
        ],
    }
    return _typed(version, "ProductOfferingPrice", body | (V5_REQUIRED if version == "v5" else {}))


def offering(version: str, marker: str) -> dict[str, Any]:
    body = {
        "name": "5G畅享套餐 128元",
        "description": marker,
        "isBundle": False,
        "isSellable": True,
        # A specification and a category named without an href: stored as given (see below).
        "productSpecification": _ref(version, "ProductSpecificationRef", id="PS-EXT-5G", name="5G套餐规格"),
        "category": [_ref(version, "CategoryRef", id="CAT-5G", name="5G套餐")],
    }
    return _typed(version, "ProductOffering", body | (V5_REQUIRED if version == "v5" else {}))


def category(version: str, marker: str) -> dict[str, Any]:
    return _typed(
        version,
        "Category",
        {
            "name": "5G套餐",
            "description": marker,
            "isRoot": True,
            "subCategory": [_ref(version, "CategoryRef", id="CAT-5G-PERSONAL", name="个人5G套餐")],
        },
    )


def catalog(version: str, marker: str) -> dict[str, Any]:
    return _typed(
        version,
        "ProductCatalog",
        {
            "name": "个人客户产品目录",
            "description": marker,
            "catalogType": "retail",
            "relatedParty": [party(version, "DEPT-MKT", "营销部", "owner")],
        },
    )


def party(version: str, id_: str, name: str, role: str) -> dict[str, Any]:
    if version == "v4":
        return {"id": id_, "name": name, "role": role, "@referredType": "Organization"}
    return {
        "@type": "RelatedPartyRefOrPartyRoleRef",
        "role": role,
        "partyOrPartyRole": {"@type": "PartyRef", "id": id_, "name": name, "@referredType": "Organization"},
    }


def export_job(version: str, marker: str) -> dict[str, Any]:
    return _typed(
        version,
        "ExportJob",
        # The specifications the marker selects: none, so the job's work does not grow with the data.
        {
            "url": f"https://partner.example.com/{marker}.json",
            "path": "productSpecification",
            "query": f"description={marker}",
        },
    )


def import_job(version: str, marker: str) -> dict[str, Any]:
    # Not an export of this server: the job ends Failed, which is enough to count and tag.
    return _typed(version, "ImportJob", {"url": f"https://partner.example.com/{marker}.json"})


# Create bodies by resource path, for the generic tests that need one (statement counts …).
BODIES: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "productSpecification": specification,
    "productOfferingPrice": offering_price,
    "productOffering": offering,
    "category": category,
    "catalog": catalog,
    "productCatalog": catalog,
    "exportJob": export_job,
    "importJob": import_job,
}


def body_for(version: str, resource: str) -> Callable[[str], dict[str, Any]]:
    make = BODIES[resource]
    return lambda marker: make(version, marker)


# -- the generic contracts ---------------------------------------------------------------------


class CatalogCase(ReadContract, DeleteContract):
    marker_attribute = "description"
    date_attribute = "lastUpdate"
    patch_attribute = "name"
    server_owned = ("id", "href", "lastUpdate")
    updated_on_patch = ("lastUpdate",)
    version: ClassVar[str]

    def body(self, marker: str) -> dict[str, Any]:
        return BODIES[self.resource](self.version, marker)


class CatalogLifecycle(LifecycleContract):
    state_attribute = "lifecycleStatus"
    legal_path = ("In design", "In test", "Active", "Launched", "Retired", "Obsolete")
    illegal_from_initial = "Launched"
    final_state = "Obsolete"


class V4Case(CatalogCase, PatchContract):
    base = V4
    version = "v4"
    patch_media_types = V4_MEDIA


class V5Case(CatalogCase, JsonPatchContract):
    base = V5
    version = "v5"
    patch_media_types = V5_MEDIA

    @property
    def merge_patch_base(self) -> dict[str, Any]:  # type: ignore[override]
        return {"@type": self.schema_name}


class TestProductOfferingV4(V4Case, CatalogLifecycle):
    resource = "productOffering"
    schema_name = "ProductOffering"
    nested_filter = ("category.id", "CAT-5G")
    mandatory = ("id", "href", "name", "lastUpdate", "lifecycleStatus", "productSpecification")


class TestProductOfferingV5(V5Case, CatalogLifecycle):
    resource = "productOffering"
    schema_name = "ProductOffering"
    nested_filter = ("category.id", "CAT-5G")
    mandatory = ("@type", "id", "href", "name", "lastUpdate", "lifecycleStatus", "productSpecification")
    json_patch_query = ("/category/name?category.id=CAT-5G", "name", "5G融合套餐")


class TestProductOfferingPriceV4(V4Case, CatalogLifecycle):
    resource = "productOfferingPrice"
    schema_name = "ProductOfferingPrice"
    nested_filter = ("tax.taxCategory", "VAT")
    mandatory = ("id", "href", "name", "lastUpdate", "lifecycleStatus", "priceType", "price")


class TestProductOfferingPriceV5(V5Case, CatalogLifecycle):
    resource = "productOfferingPrice"
    schema_name = "ProductOfferingPrice"
    nested_filter = ("tax.taxCategory", "VAT")
    mandatory = ("@type", "id", "href", "name", "lastUpdate", "lifecycleStatus", "priceType", "price")
    json_patch_query = ("/tax/taxCategory?tax.taxRate=9", "taxCategory", "增值税")


class TestProductSpecificationV4(V4Case, CatalogLifecycle):
    resource = "productSpecification"
    schema_name = "ProductSpecification"
    nested_filter = ("productSpecCharacteristic.name", "流量")
    mandatory = ("id", "href", "name", "lastUpdate", "lifecycleStatus")


class TestProductSpecificationV5(V5Case, CatalogLifecycle):
    resource = "productSpecification"
    schema_name = "ProductSpecification"
    nested_filter = ("productSpecCharacteristic.name", "流量")
    mandatory = ("@type", "id", "href", "name", "lastUpdate", "lifecycleStatus")
    json_patch_query = (
        "/productSpecCharacteristic/description?productSpecCharacteristic.name=流量",
        "description",
        "每月通用流量（GB）",
    )


class TestCatalogV4(V4Case):
    resource = "catalog"
    schema_name = "Catalog"
    nested_filter = ("relatedParty.role", "owner")
    mandatory = ("id", "href", "name", "lastUpdate")

    def body(self, marker: str) -> dict[str, Any]:
        return catalog("v4", marker)


class TestProductCatalogV5(V5Case):
    resource = "productCatalog"
    schema_name = "ProductCatalog"
    nested_filter = ("relatedParty.role", "owner")
    mandatory = ("@type", "id", "href", "name", "lastUpdate")
    json_patch_query = ("/relatedParty/role?relatedParty.partyOrPartyRole.id=DEPT-MKT", "role", "manager")


class TestCategoryV4(V4Case):
    resource = "category"
    schema_name = "Category"
    nested_filter = ("subCategory.id", "CAT-5G-PERSONAL")
    mandatory = ("id", "href", "name", "lastUpdate")


class TestCategoryV5(V5Case):
    resource = "category"
    schema_name = "Category"
    nested_filter = ("subCategory.id", "CAT-5G-PERSONAL")
    mandatory = ("@type", "id", "href", "name", "lastUpdate")
    json_patch_query = ("/subCategory/name?subCategory.id=CAT-5G-PERSONAL", "name", "个人套餐")


# -- TMF620's own rules -------------------------------------------------------------------------


def _post(client: CheckedClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(url, json=body)
    assert response.status_code == 201, response.text
    doc: dict[str, Any] = response.json()
    return doc


@pytest.mark.parametrize(("base", "version"), [(V4, "v4"), (V5, "v5")])
def test_new_entities_start_in_study_and_take_only_initial_states(
    api_client: CheckedClient, base: str, version: str
) -> None:
    body = offering(version, "lifecycle-start")
    body.pop("lifecycleStatus", None)
    if version == "v4":
        assert _post(api_client, f"{base}/productOffering", body)["lifecycleStatus"] == "In study"
    launched = _post(api_client, f"{base}/productOffering", body | {"lifecycleStatus": "Launched"})
    assert launched["lifecycleStatus"] == "Launched"
    refused = api_client.post(f"{base}/productOffering", json=body | {"lifecycleStatus": "Obsolete"})
    assert_tmf_error(refused, 400, mentions="In study")


def test_prices_are_exact_decimals_with_currency_and_tax(api_client: CheckedClient) -> None:
    """0.1 + 0.2 style amounts survive exactly: the column is NUMERIC, the JSON number its text."""
    body = offering_price("v4", "exact") | {
        "price": {"unit": "CNY", "value": 0.0003},
        "priceType": "usage",
        "unitOfMeasure": {"amount": 1, "units": "KB"},
    }
    created = _post(api_client, f"{V4}/productOfferingPrice", body)
    assert created["price"] == {"unit": "CNY", "value": 0.0003}
    assert created["tax"][0]["taxRate"] == 9
    with api_client.app.sessions() as session:
        row = session.scalars(
            select(ProductOfferingPrice).where(ProductOfferingPrice.id == created["id"])
        ).one()
        assert row.amount == Decimal("0.0003") and row.currency == "CNY"
        assert row.taxes[0].tax_rate == Decimal("9")


def test_offering_prices_lookup_follows_the_offering(api_client: CheckedClient) -> None:
    """The lookup the order rules price items with: the offering's stored prices, in its order."""
    one_time = _post(
        api_client,
        f"{V4}/productOfferingPrice",
        offering_price("v4", "install") | {"priceType": "oneTime", "name": "安装费"},
    )
    monthly = _post(api_client, f"{V4}/productOfferingPrice", offering_price("v4", "monthly"))
    body = offering("v4", "priced") | {
        "productOfferingPrice": [{"id": monthly["id"]}, {"id": one_time["id"]}]
    }
    created = _post(api_client, f"{V4}/productOffering", body)
    with api_client.app.sessions() as session:
        prices = offering_prices(session, created["id"])
        assert [(p.id, p.price_type) for p in prices] == [
            (monthly["id"], "recurring"),
            (one_time["id"], "oneTime"),
        ]
        assert offering_prices(session, "no-such-offering") == []


@pytest.fixture(scope="module")
def job_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("catalog-jobs")


@pytest.fixture(scope="module")
def jobs_client(module_database_url: str, job_dir: Path) -> Iterator[CheckedClient]:
    with make_client(module_database_url, catalog_job_dir=str(job_dir)) as client:
        yield client


def test_export_then_import_through_the_other_version(jobs_client: CheckedClient, job_dir: Path) -> None:
    client = jobs_client
    spec = _post(client, f"{V4}/productSpecification", specification("v4", "export-me"))
    job = _post(
        client,
        f"{V4}/exportJob",
        {
            "url": "https://partner.example.com/x.json",
            "path": "productSpecification",
            "query": f"id={spec['id']}",
        },
    )
    assert job["status"] == "Succeeded" and job["url"].endswith(f"{V4}/export/{job['id']}")
    served = client.get(job["url"])
    assert served.status_code == 200
    document = served.json()
    assert [d["id"] for d in document["resources"]["productSpecification"]] == [spec["id"]]
    # A file in the allowed directory receives the same content; any other file fails the job.
    to_file = _post(
        client,
        f"{V4}/exportJob",
        {
            "url": (job_dir / "catalog.json").as_uri(),
            "path": "productSpecification",
            "query": f"id={spec['id']}",
        },
    )
    assert to_file["status"] == "Succeeded"
    assert json.loads((job_dir / "catalog.json").read_text("utf-8"))["resources"] == document["resources"]
    outside = _post(client, f"{V4}/exportJob", {"url": "file:///etc/catalog.json"})
    assert outside["status"] == "Failed" and "outside" in outside["errorLog"]

    assert client.delete(f"{V4}/productSpecification/{spec['id']}").status_code == 204
    imported = _post(client, f"{V5}/importJob", {"@type": "ImportJob", "url": job["url"]})
    assert imported["status"] == "Succeeded", imported
    again = client.get(f"{V5}/productSpecification/{spec['id']}").json()
    assert again["name"] == spec["name"] and again["productSpecCharacteristic"][0]["name"] == "流量"
    # An import updates what exists (here: a name changed since the export).
    client.patch(
        f"{V4}/productSpecification/{spec['id']}", content=json.dumps({"name": "改名"}), headers=MERGE
    )
    from_file = _post(client, f"{V4}/importJob", {"url": (job_dir / "catalog.json").as_uri()})
    assert from_file["status"] == "Succeeded"
    assert client.get(f"{V4}/productSpecification/{spec['id']}").json()["name"] == spec["name"]


def test_a_refused_import_changes_nothing_and_says_why(jobs_client: CheckedClient, job_dir: Path) -> None:
    client = jobs_client
    good = specification("v4", "import-good") | {"id": "PS-IMPORT-GOOD"}
    bad = specification("v4", "import-bad") | {"id": "PS-IMPORT-BAD", "lifecycleStatus": "Obsolete"}
    (job_dir / "bad.json").write_text(
        json.dumps({"version": "v4", "resources": {"productSpecification": [good, bad]}}), "utf-8"
    )
    job = _post(client, f"{V4}/importJob", {"url": (job_dir / "bad.json").as_uri()})
    assert job["status"] == "Failed" and "PS-IMPORT-BAD" in job["errorLog"], job
    assert_tmf_error(client.get(f"{V4}/productSpecification/PS-IMPORT-GOOD"), 404)
    for url, reason in (
        ("https://elsewhere.example/x.json", "neither"),
        ((job_dir / "no.json").as_uri(), "cannot read"),
    ):
        failed = _post(client, f"{V4}/importJob", {"url": url})
        assert failed["status"] == "Failed" and reason in failed["errorLog"]
    assert_tmf_error(client.get(f"{V4}/export/no-such-job"), 404)
    # The v5 document makes the url a URI: anything else is refused before a job exists.
    assert_tmf_error(
        client.post(f"{V5}/importJob", json={"@type": "ImportJob", "url": ""}), 400, mentions="URI"
    )


def test_references_inside_the_catalog_must_exist(api_client: CheckedClient) -> None:
    """Prices, bundle parts, the categories a catalog presents and a category's offerings and
    parent must exist; a specification or category named by another server's href (the official
    kit's) or by id alone is stored as given, one named by this server's href must exist."""
    price = _post(api_client, f"{V4}/productOfferingPrice", offering_price("v4", "ref-price"))
    part = _post(api_client, f"{V4}/productOffering", offering("v4", "ref-part"))
    fine = offering("v4", "ref-ok") | {
        "isBundle": True,
        "productOfferingPrice": [{"id": price["id"]}],
        "bundledProductOffering": [{"id": part["id"]}],
        "productSpecification": {
            "id": "9881",
            "href": "https://mycsp.com:8080/tmf-api/productCatalogManagement/v4/productSpecification/9881",
        },
    }
    bundle = _post(api_client, f"{V4}/productOffering", fine)
    refused = {
        "productOfferingPrice": [{"id": price["id"]}, {"id": "POP-NONE"}],
        "bundledProductOffering": [{"id": "PO-NONE"}],
        "productSpecification": {
            "id": "PS-NONE",
            "href": f"http://tmf.test{V4}/productSpecification/PS-NONE",
        },
    }
    for attribute, value in refused.items():
        response = api_client.post(f"{V4}/productOffering", json=fine | {attribute: value})
        assert_tmf_error(response, 400, mentions="NONE")
    category_ok = _post(
        api_client,
        f"{V5}/category",
        category("v5", "ref-cat")
        | {"productOffering": [{"@type": "ProductOfferingRef", "id": bundle["id"]}]},
    )
    assert_tmf_error(
        api_client.post(
            f"{V5}/category",
            json=category("v5", "ref-cat") | {"parent": {"@type": "CategoryRef", "id": "CAT-NONE"}},
        ),
        400,
        mentions="CAT-NONE",
    )
    assert_tmf_error(
        api_client.post(f"{V4}/category", json=category("v4", "ref-cat") | {"parentId": "CAT-NONE"}),
        400,
        mentions="CAT-NONE",
    )
    _post(
        api_client, f"{V4}/catalog", catalog("v4", "ref-catalog") | {"category": [{"id": category_ok["id"]}]}
    )
    assert_tmf_error(
        api_client.post(
            f"{V5}/productCatalog",
            json=catalog("v5", "ref-catalog") | {"category": [{"@type": "CategoryRef", "id": "CAT-NONE"}]},
        ),
        400,
        mentions="CAT-NONE",
    )
    assert_tmf_error(
        api_client.post(
            f"{V4}/productOfferingPrice",
            json=offering_price("v4", "ref-pop")
            | {"popRelationship": [{"id": "POP-NONE", "relationshipType": "instalmentOf"}]},
        ),
        400,
        mentions="POP-NONE",
    )
