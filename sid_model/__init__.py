"""SID-shaped persistence model: one typed SQLAlchemy class per SID entity."""

from __future__ import annotations

from sid_model.account import (
    Account,
    AccountBalance,
    AccountRelatedParty,
    BillFormat,
    BillingCycleSpecification,
    BillPresentationMedia,
)
from sid_model.base import Base
from sid_model.customer import Customer, CustomerContactMedium, CustomerRelatedParty
from sid_model.customer_bill import (
    AppliedCustomerBillingRate,
    BillCycle,
    CustomerBill,
    CustomerBillOnDemand,
    CustomerBillRelatedParty,
)
from sid_model.events import (
    EventDelivery,
    EventDeliveryAttempt,
    EventHubGeneration,
    EventRecord,
    EventSubscription,
    ReceivedEvent,
)
from sid_model.idempotency import IdempotencyKey
from sid_model.party import (
    Individual,
    IndividualContactMedium,
    IndividualIdentification,
    IndividualRelatedParty,
    Organization,
    OrganizationContactMedium,
    OrganizationIdentification,
    OrganizationRelatedParty,
)
from sid_model.payment import Payment, PaymentItem, Refund
from sid_model.prepay_balance import AccumulatedBalance, BalanceAction, BalanceActionHistory, Bucket
from sid_model.product_catalog import (
    Category,
    CategoryProductOffering,
    CategorySubCategory,
    ExportJob,
    ImportJob,
    ProductCatalog,
    ProductCatalogCategory,
    ProductCatalogRelatedParty,
    ProductOffering,
    ProductOfferingBundled,
    ProductOfferingCategory,
    ProductOfferingPrice,
    ProductOfferingPriceLink,
    ProductOfferingPriceTax,
    ProductSpecification,
    ProductSpecificationBundled,
    ProductSpecificationCharacteristic,
    ProductSpecificationRelatedParty,
)
from sid_model.product_inventory import (
    Product,
    ProductCharacteristic,
    ProductOrderItemRef,
    ProductPrice,
    ProductRelatedParty,
    ProductRelationship,
    ProductStatusPeriod,
)
from sid_model.product_order import (
    CancelProductOrder,
    ProductOrder,
    ProductOrderChannel,
    ProductOrderExternalIdentifier,
    ProductOrderItem,
    ProductOrderNote,
    ProductOrderRelatedParty,
)
from sid_model.trouble_ticket import (
    TroubleTicket,
    TroubleTicketExternalIdentifier,
    TroubleTicketNote,
    TroubleTicketRelatedEntity,
    TroubleTicketRelatedParty,
    TroubleTicketSpecification,
    TroubleTicketSpecificationRelatedParty,
    TroubleTicketStatusChange,
)

__all__ = [
    "Account",
    "AccountBalance",
    "AccountRelatedParty",
    "AccumulatedBalance",
    "AppliedCustomerBillingRate",
    "BalanceAction",
    "BalanceActionHistory",
    "Base",
    "BillCycle",
    "BillFormat",
    "BillPresentationMedia",
    "BillingCycleSpecification",
    "Bucket",
    "CancelProductOrder",
    "Category",
    "CategoryProductOffering",
    "CategorySubCategory",
    "Customer",
    "CustomerBill",
    "CustomerBillOnDemand",
    "CustomerBillRelatedParty",
    "CustomerContactMedium",
    "CustomerRelatedParty",
    "EventDelivery",
    "EventDeliveryAttempt",
    "EventHubGeneration",
    "EventRecord",
    "EventSubscription",
    "ExportJob",
    "IdempotencyKey",
    "ImportJob",
    "Individual",
    "IndividualContactMedium",
    "IndividualIdentification",
    "IndividualRelatedParty",
    "Organization",
    "OrganizationContactMedium",
    "OrganizationIdentification",
    "OrganizationRelatedParty",
    "Payment",
    "PaymentItem",
    "Product",
    "ProductCatalog",
    "ProductCatalogCategory",
    "ProductCatalogRelatedParty",
    "ProductCharacteristic",
    "ProductOffering",
    "ProductOfferingBundled",
    "ProductOfferingCategory",
    "ProductOfferingPrice",
    "ProductOfferingPriceLink",
    "ProductOfferingPriceTax",
    "ProductOrder",
    "ProductOrderChannel",
    "ProductOrderExternalIdentifier",
    "ProductOrderItem",
    "ProductOrderItemRef",
    "ProductOrderNote",
    "ProductOrderRelatedParty",
    "ProductPrice",
    "ProductRelatedParty",
    "ProductRelationship",
    "ProductSpecification",
    "ProductSpecificationBundled",
    "ProductSpecificationCharacteristic",
    "ProductSpecificationRelatedParty",
    "ProductStatusPeriod",
    "ReceivedEvent",
    "Refund",
    "TroubleTicket",
    "TroubleTicketExternalIdentifier",
    "TroubleTicketNote",
    "TroubleTicketRelatedEntity",
    "TroubleTicketRelatedParty",
    "TroubleTicketSpecification",
    "TroubleTicketSpecificationRelatedParty",
    "TroubleTicketStatusChange",
    "entity_class",
]


def entity_class(name: str) -> type[Base]:
    """The mapped class for a SID entity name used in mappings/."""
    for mapper in Base.registry.mappers:
        if mapper.class_.__name__ == name:
            cls: type[Base] = mapper.class_
            return cls
    raise KeyError(f"no SID entity named {name!r}")
