"""party and customer: TMF632 individuals and organizations, TMF629 customers, their child tables

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 15:15:42.099140
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sid_model.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Serves `extension @> '{…}'`, the engine's equality filters on unmapped attributes.
GIN_TABLES = ["individual", "organization", "customer"]


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("engaged_party_id", sa.String(length=200), nullable=True),
        sa.Column("engaged_party_href", sa.String(length=500), nullable=True),
        sa.Column("engaged_party_name", sa.String(length=500), nullable=True),
        sa.Column("engaged_party_referred_type", sa.String(length=100), nullable=True),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_customer")),
        sa.UniqueConstraint("id", name=op.f("uq_customer_id")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_engaged_party_id"), ["engaged_party_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customer_engaged_party_referred_type"),
            ["engaged_party_referred_type"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_customer_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_valid_from"), ["valid_from"], unique=False)

    op.create_table(
        "individual",
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("middle_name", sa.String(length=200), nullable=True),
        sa.Column("full_name", sa.String(length=500), nullable=True),
        sa.Column("formatted_name", sa.String(length=500), nullable=True),
        sa.Column("legal_name", sa.String(length=500), nullable=True),
        sa.Column("preferred_given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name_prefix", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("aristocratic_title", sa.String(length=100), nullable=True),
        sa.Column("generation", sa.String(length=50), nullable=True),
        sa.Column("gender", sa.String(length=50), nullable=True),
        sa.Column("nationality", sa.String(length=100), nullable=True),
        sa.Column("marital_status", sa.String(length=50), nullable=True),
        sa.Column("place_of_birth", sa.String(length=200), nullable=True),
        sa.Column("country_of_birth", sa.String(length=100), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("birth_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("death_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_individual")),
        sa.UniqueConstraint("id", name=op.f("uq_individual_id")),
    )
    with op.batch_alter_table("individual", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_individual_family_name"), ["family_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_individual_full_name"), ["full_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_individual_given_name"), ["given_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_individual_status"), ["status"], unique=False)

    op.create_table(
        "organization",
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("trading_name", sa.String(length=500), nullable=True),
        sa.Column("name_type", sa.String(length=100), nullable=True),
        sa.Column("organization_type", sa.String(length=100), nullable=True),
        sa.Column("is_legal_entity", sa.Boolean(), nullable=True),
        sa.Column("is_head_office", sa.Boolean(), nullable=True),
        sa.Column("exists_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("exists_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("parent_relationship_type", sa.String(length=100), nullable=True),
        sa.Column("parent_id", sa.String(length=200), nullable=True),
        sa.Column("parent_href", sa.String(length=500), nullable=True),
        sa.Column("parent_name", sa.String(length=500), nullable=True),
        sa.Column("parent_referred_type", sa.String(length=100), nullable=True),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_organization")),
        sa.UniqueConstraint("id", name=op.f("uq_organization_id")),
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organization_organization_type"), ["organization_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_organization_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organization_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_organization_trading_name"), ["trading_name"], unique=False)

    op.create_table(
        "customer_contact_medium",
        sa.Column("customer_pk", sa.Integer(), nullable=False),
        sa.Column("medium_id", sa.String(length=200), nullable=True),
        sa.Column("medium_type", sa.String(length=100), nullable=True),
        sa.Column("preferred", sa.Boolean(), nullable=True),
        sa.Column("contact_type", sa.String(length=100), nullable=True),
        sa.Column("phone_number", sa.String(length=100), nullable=True),
        sa.Column("email_address", sa.String(length=320), nullable=True),
        sa.Column("fax_number", sa.String(length=100), nullable=True),
        sa.Column("social_network_id", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=200), nullable=True),
        sa.Column("post_code", sa.String(length=50), nullable=True),
        sa.Column("state_or_province", sa.String(length=200), nullable=True),
        sa.Column("street1", sa.String(length=500), nullable=True),
        sa.Column("street2", sa.String(length=500), nullable=True),
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_pk"],
            ["customer.pk"],
            name=op.f("fk_customer_contact_medium_customer_pk_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_customer_contact_medium")),
    )
    with op.batch_alter_table("customer_contact_medium", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_contact_medium_customer_pk"), ["customer_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_contact_medium_email_address"), ["email_address"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_contact_medium_phone_number"), ["phone_number"], unique=False
        )

    op.create_table(
        "customer_related_party",
        sa.Column("customer_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("party_id", sa.String(length=200), nullable=True),
        sa.Column("party_href", sa.String(length=500), nullable=True),
        sa.Column("party_name", sa.String(length=500), nullable=True),
        sa.Column("party_referred_type", sa.String(length=100), nullable=True),
        sa.Column("party_at_type", sa.String(length=100), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_pk"],
            ["customer.pk"],
            name=op.f("fk_customer_related_party_customer_pk_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_customer_related_party")),
    )
    with op.batch_alter_table("customer_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_related_party_customer_pk"), ["customer_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_related_party_party_id"), ["party_id"], unique=False)

    op.create_table(
        "individual_contact_medium",
        sa.Column("individual_pk", sa.Integer(), nullable=False),
        sa.Column("medium_id", sa.String(length=200), nullable=True),
        sa.Column("medium_type", sa.String(length=100), nullable=True),
        sa.Column("preferred", sa.Boolean(), nullable=True),
        sa.Column("contact_type", sa.String(length=100), nullable=True),
        sa.Column("phone_number", sa.String(length=100), nullable=True),
        sa.Column("email_address", sa.String(length=320), nullable=True),
        sa.Column("fax_number", sa.String(length=100), nullable=True),
        sa.Column("social_network_id", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=200), nullable=True),
        sa.Column("post_code", sa.String(length=50), nullable=True),
        sa.Column("state_or_province", sa.String(length=200), nullable=True),
        sa.Column("street1", sa.String(length=500), nullable=True),
        sa.Column("street2", sa.String(length=500), nullable=True),
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_pk"],
            ["individual.pk"],
            name=op.f("fk_individual_contact_medium_individual_pk_individual"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_individual_contact_medium")),
    )
    with op.batch_alter_table("individual_contact_medium", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_individual_contact_medium_email_address"), ["email_address"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_individual_contact_medium_individual_pk"), ["individual_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_individual_contact_medium_phone_number"), ["phone_number"], unique=False
        )

    op.create_table(
        "individual_identification",
        sa.Column("individual_pk", sa.Integer(), nullable=False),
        sa.Column("identification_id", sa.String(length=200), nullable=True),
        sa.Column("identification_type", sa.String(length=200), nullable=True),
        sa.Column("issuing_authority", sa.String(length=500), nullable=True),
        sa.Column("issuing_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_pk"],
            ["individual.pk"],
            name=op.f("fk_individual_identification_individual_pk_individual"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_individual_identification")),
    )
    with op.batch_alter_table("individual_identification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_individual_identification_identification_id"), ["identification_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_individual_identification_individual_pk"), ["individual_pk"], unique=False
        )

    op.create_table(
        "individual_related_party",
        sa.Column("individual_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("party_id", sa.String(length=200), nullable=True),
        sa.Column("party_href", sa.String(length=500), nullable=True),
        sa.Column("party_name", sa.String(length=500), nullable=True),
        sa.Column("party_referred_type", sa.String(length=100), nullable=True),
        sa.Column("party_at_type", sa.String(length=100), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_pk"],
            ["individual.pk"],
            name=op.f("fk_individual_related_party_individual_pk_individual"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_individual_related_party")),
    )
    with op.batch_alter_table("individual_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_individual_related_party_individual_pk"), ["individual_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_individual_related_party_party_id"), ["party_id"], unique=False)

    op.create_table(
        "organization_contact_medium",
        sa.Column("organization_pk", sa.Integer(), nullable=False),
        sa.Column("medium_id", sa.String(length=200), nullable=True),
        sa.Column("medium_type", sa.String(length=100), nullable=True),
        sa.Column("preferred", sa.Boolean(), nullable=True),
        sa.Column("contact_type", sa.String(length=100), nullable=True),
        sa.Column("phone_number", sa.String(length=100), nullable=True),
        sa.Column("email_address", sa.String(length=320), nullable=True),
        sa.Column("fax_number", sa.String(length=100), nullable=True),
        sa.Column("social_network_id", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=200), nullable=True),
        sa.Column("post_code", sa.String(length=50), nullable=True),
        sa.Column("state_or_province", sa.String(length=200), nullable=True),
        sa.Column("street1", sa.String(length=500), nullable=True),
        sa.Column("street2", sa.String(length=500), nullable=True),
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_pk"],
            ["organization.pk"],
            name=op.f("fk_organization_contact_medium_organization_pk_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_organization_contact_medium")),
    )
    with op.batch_alter_table("organization_contact_medium", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_contact_medium_email_address"), ["email_address"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organization_contact_medium_organization_pk"), ["organization_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organization_contact_medium_phone_number"), ["phone_number"], unique=False
        )

    op.create_table(
        "organization_identification",
        sa.Column("organization_pk", sa.Integer(), nullable=False),
        sa.Column("identification_id", sa.String(length=200), nullable=True),
        sa.Column("identification_type", sa.String(length=200), nullable=True),
        sa.Column("issuing_authority", sa.String(length=500), nullable=True),
        sa.Column("issuing_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_pk"],
            ["organization.pk"],
            name=op.f("fk_organization_identification_organization_pk_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_organization_identification")),
    )
    with op.batch_alter_table("organization_identification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_identification_identification_id"),
            ["identification_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_organization_identification_organization_pk"), ["organization_pk"], unique=False
        )

    op.create_table(
        "organization_related_party",
        sa.Column("organization_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("party_id", sa.String(length=200), nullable=True),
        sa.Column("party_href", sa.String(length=500), nullable=True),
        sa.Column("party_name", sa.String(length=500), nullable=True),
        sa.Column("party_referred_type", sa.String(length=100), nullable=True),
        sa.Column("party_at_type", sa.String(length=100), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_pk"],
            ["organization.pk"],
            name=op.f("fk_organization_related_party_organization_pk_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_organization_related_party")),
    )
    with op.batch_alter_table("organization_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_related_party_organization_pk"), ["organization_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organization_related_party_party_id"), ["party_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in GIN_TABLES:
            op.create_index(
                f"ix_{table}_extension_gin",
                table,
                ["extension"],
                postgresql_using="gin",
                postgresql_ops={"extension": "jsonb_path_ops"},
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in reversed(GIN_TABLES):
            op.drop_index(f"ix_{table}_extension_gin", table_name=table)
    with op.batch_alter_table("organization_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_related_party_party_id"))
        batch_op.drop_index(batch_op.f("ix_organization_related_party_organization_pk"))

    op.drop_table("organization_related_party")
    with op.batch_alter_table("organization_identification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_identification_organization_pk"))
        batch_op.drop_index(batch_op.f("ix_organization_identification_identification_id"))

    op.drop_table("organization_identification")
    with op.batch_alter_table("organization_contact_medium", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_contact_medium_phone_number"))
        batch_op.drop_index(batch_op.f("ix_organization_contact_medium_organization_pk"))
        batch_op.drop_index(batch_op.f("ix_organization_contact_medium_email_address"))

    op.drop_table("organization_contact_medium")
    with op.batch_alter_table("individual_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_individual_related_party_party_id"))
        batch_op.drop_index(batch_op.f("ix_individual_related_party_individual_pk"))

    op.drop_table("individual_related_party")
    with op.batch_alter_table("individual_identification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_individual_identification_individual_pk"))
        batch_op.drop_index(batch_op.f("ix_individual_identification_identification_id"))

    op.drop_table("individual_identification")
    with op.batch_alter_table("individual_contact_medium", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_individual_contact_medium_phone_number"))
        batch_op.drop_index(batch_op.f("ix_individual_contact_medium_individual_pk"))
        batch_op.drop_index(batch_op.f("ix_individual_contact_medium_email_address"))

    op.drop_table("individual_contact_medium")
    with op.batch_alter_table("customer_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_related_party_party_id"))
        batch_op.drop_index(batch_op.f("ix_customer_related_party_customer_pk"))

    op.drop_table("customer_related_party")
    with op.batch_alter_table("customer_contact_medium", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_contact_medium_phone_number"))
        batch_op.drop_index(batch_op.f("ix_customer_contact_medium_email_address"))
        batch_op.drop_index(batch_op.f("ix_customer_contact_medium_customer_pk"))

    op.drop_table("customer_contact_medium")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_trading_name"))
        batch_op.drop_index(batch_op.f("ix_organization_status"))
        batch_op.drop_index(batch_op.f("ix_organization_parent_id"))
        batch_op.drop_index(batch_op.f("ix_organization_organization_type"))
        batch_op.drop_index(batch_op.f("ix_organization_name"))

    op.drop_table("organization")
    with op.batch_alter_table("individual", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_individual_status"))
        batch_op.drop_index(batch_op.f("ix_individual_given_name"))
        batch_op.drop_index(batch_op.f("ix_individual_full_name"))
        batch_op.drop_index(batch_op.f("ix_individual_family_name"))

    op.drop_table("individual")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_valid_from"))
        batch_op.drop_index(batch_op.f("ix_customer_status"))
        batch_op.drop_index(batch_op.f("ix_customer_name"))
        batch_op.drop_index(batch_op.f("ix_customer_engaged_party_referred_type"))
        batch_op.drop_index(batch_op.f("ix_customer_engaged_party_id"))

    op.drop_table("customer")
