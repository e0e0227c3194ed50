"""SID Party ABE: Individual and Organization (TMF632), with their contact media and identifications.

Contact media (TMF ContactMedium) and official identifications (IndividualIdentification,
OrganizationIdentification) are child tables of each owner, made by the factory of
sid_model/common.py like notes and related parties. v4 writes a contact medium as
`{mediumType, characteristic: {phoneNumber …}}`, v5 as a typed object `{@type: PhoneContactMedium,
phoneNumber …}`: both land on the same columns.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from sid_model.base import Base, Extensible, Identified, Positioned, Rendered, extension_gin_index
from sid_model.common import Child, RelatedParty, children


class ContactMediumColumns(Extensible, Positioned):
    """SID ContactMedium: a phone number, an e-mail address, a postal address … of a party."""

    medium_id: Mapped[str | None] = mapped_column(String(200))
    medium_type: Mapped[str | None] = mapped_column(String(100))
    preferred: Mapped[bool | None] = mapped_column(Boolean)
    contact_type: Mapped[str | None] = mapped_column(String(100))
    phone_number: Mapped[str | None] = mapped_column(String(100), index=True)
    email_address: Mapped[str | None] = mapped_column(String(320), index=True)
    fax_number: Mapped[str | None] = mapped_column(String(100))
    social_network_id: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(200))
    post_code: Mapped[str | None] = mapped_column(String(50))
    state_or_province: Mapped[str | None] = mapped_column(String(200))
    street1: Mapped[str | None] = mapped_column(String(500))
    street2: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()


class PartyIdentificationColumns(Extensible, Positioned):
    """SID PartyIdentification: an official document proving who a party is (居民身份证 …)."""

    identification_id: Mapped[str | None] = mapped_column(String(200), index=True)
    identification_type: Mapped[str | None] = mapped_column(String(200))
    issuing_authority: Mapped[str | None] = mapped_column(String(500))
    issuing_date: Mapped[dt.datetime | None] = mapped_column()
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()


class ContactMedium(Child, ContactMediumColumns):
    __abstract__ = True
    suffix = "contact_medium"


class PartyIdentification(Child, PartyIdentificationColumns):
    __abstract__ = True
    suffix = "identification"


class Individual(Base, Identified, Extensible, Rendered):
    """A single human being the operator knows: a customer, a contact, an employee (SID Individual)."""

    __tablename__ = "individual"
    __table_args__ = (extension_gin_index("individual"),)

    given_name: Mapped[str | None] = mapped_column(String(200), index=True)
    family_name: Mapped[str | None] = mapped_column(String(200), index=True)
    middle_name: Mapped[str | None] = mapped_column(String(200))
    # v4 `fullName`, v5 `name`: the whole name as it is shown in references.
    full_name: Mapped[str | None] = mapped_column(String(500), index=True)
    formatted_name: Mapped[str | None] = mapped_column(String(500))
    legal_name: Mapped[str | None] = mapped_column(String(500))
    preferred_given_name: Mapped[str | None] = mapped_column(String(200))
    family_name_prefix: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    aristocratic_title: Mapped[str | None] = mapped_column(String(100))
    generation: Mapped[str | None] = mapped_column(String(50))
    gender: Mapped[str | None] = mapped_column(String(50))
    nationality: Mapped[str | None] = mapped_column(String(100))
    marital_status: Mapped[str | None] = mapped_column(String(50))
    place_of_birth: Mapped[str | None] = mapped_column(String(200))
    country_of_birth: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(500))
    birth_date: Mapped[dt.datetime | None] = mapped_column()
    death_date: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str | None] = mapped_column(String(50), index=True)

    contact_media: Mapped[list[IndividualContactMedium]] = children("IndividualContactMedium")
    identifications: Mapped[list[IndividualIdentification]] = children("IndividualIdentification")
    related_parties: Mapped[list[IndividualRelatedParty]] = children("IndividualRelatedParty")


class IndividualContactMedium(ContactMedium, owner=Individual, key="individual_pk"):
    """How to reach the individual: a mobile number, an e-mail address, a home address."""


class IndividualIdentification(PartyIdentification, owner=Individual, key="individual_pk"):
    """An identity document of the individual (a resident ID card, a passport …)."""


class IndividualRelatedParty(RelatedParty, owner=Individual, key="individual_pk"):
    """A party related to the individual (a guardian, an employer …)."""


class Organization(Base, Identified, Extensible, Rendered):
    """A company, a government body or one of its units (SID Organization)."""

    __tablename__ = "organization"
    __table_args__ = (extension_gin_index("organization"),)

    name: Mapped[str | None] = mapped_column(String(500), index=True)
    trading_name: Mapped[str | None] = mapped_column(String(500), index=True)
    name_type: Mapped[str | None] = mapped_column(String(100))
    organization_type: Mapped[str | None] = mapped_column(String(100), index=True)
    is_legal_entity: Mapped[bool | None] = mapped_column(Boolean)
    is_head_office: Mapped[bool | None] = mapped_column(Boolean)
    exists_from: Mapped[dt.datetime | None] = mapped_column()
    exists_to: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str | None] = mapped_column(String(50), index=True)
    # organizationParentRelationship: one parent, in both generations.
    parent_relationship_type: Mapped[str | None] = mapped_column(String(100))
    parent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    parent_href: Mapped[str | None] = mapped_column(String(500))
    parent_name: Mapped[str | None] = mapped_column(String(500))
    parent_referred_type: Mapped[str | None] = mapped_column(String(100))

    contact_media: Mapped[list[OrganizationContactMedium]] = children("OrganizationContactMedium")
    identifications: Mapped[list[OrganizationIdentification]] = children("OrganizationIdentification")
    related_parties: Mapped[list[OrganizationRelatedParty]] = children("OrganizationRelatedParty")


class OrganizationContactMedium(ContactMedium, owner=Organization, key="organization_pk"):
    """How to reach the organization: its switchboard, its registered address …"""


class OrganizationIdentification(PartyIdentification, owner=Organization, key="organization_pk"):
    """An official identifier of the organization (a unified social credit code …)."""


class OrganizationRelatedParty(RelatedParty, owner=Organization, key="organization_pk"):
    """A party related to the organization (its legal representative, its account manager …)."""
