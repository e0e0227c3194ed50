"""Product ABE: catalogs, categories, offerings, prices, specifications, import and export jobs (TMF620)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:16:38.339789
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sid_model.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("is_root", sa.Boolean(), nullable=True),
        sa.Column("parent_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("lifecycle_status", sa.String(length=50), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
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
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_category")),
        sa.UniqueConstraint("id", name=op.f("uq_category_id")),
    )
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_category_last_update"), ["last_update"], unique=False)
        batch_op.create_index(batch_op.f("ix_category_lifecycle_status"), ["lifecycle_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_category_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_category_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "export_job",
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("error_log", sa.Text(), nullable=True),
        sa.Column("creation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("completion_date", sid_model.base.UTCDateTime(), nullable=True),
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
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_export_job")),
        sa.UniqueConstraint("id", name=op.f("uq_export_job_id")),
    )
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_job_creation_date"), ["creation_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_job_status"), ["status"], unique=False)

    op.create_table(
        "import_job",
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("error_log", sa.Text(), nullable=True),
        sa.Column("creation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("completion_date", sid_model.base.UTCDateTime(), nullable=True),
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
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_import_job")),
        sa.UniqueConstraint("id", name=op.f("uq_import_job_id")),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_job_creation_date"), ["creation_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_job_status"), ["status"], unique=False)

    op.create_table(
        "product_catalog",
        sa.Column("catalog_type", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("lifecycle_status", sa.String(length=50), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
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
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_catalog")),
        sa.UniqueConstraint("id", name=op.f("uq_product_catalog_id")),
    )
    with op.batch_alter_table("product_catalog", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_catalog_catalog_type"), ["catalog_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_catalog_last_update"), ["last_update"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_catalog_lifecycle_status"), ["lifecycle_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_catalog_name"), ["name"], unique=False)

    op.create_table(
        "product_offering",
        sa.Column("is_bundle", sa.Boolean(), nullable=True),
        sa.Column("is_sellable", sa.Boolean(), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("specification_id", sa.String(length=200), nullable=True),
        sa.Column("specification_href", sa.String(length=500), nullable=True),
        sa.Column("specification_name", sa.String(length=500), nullable=True),
        sa.Column("specification_version", sa.String(length=50), nullable=True),
        sa.Column("specification_referred_type", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("lifecycle_status", sa.String(length=50), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
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
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_offering")),
        sa.UniqueConstraint("id", name=op.f("uq_product_offering_id")),
    )
    with op.batch_alter_table("product_offering", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_offering_is_bundle"), ["is_bundle"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_last_update"), ["last_update"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_offering_lifecycle_status"), ["lifecycle_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_offering_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_offering_specification_id"), ["specification_id"], unique=False
        )

    op.create_table(
        "product_offering_price",
        sa.Column("price_type", sa.String(length=50), nullable=True),
        sa.Column("is_bundle", sa.Boolean(), nullable=True),
        sa.Column("recurring_charge_period_type", sa.String(length=50), nullable=True),
        sa.Column("recurring_charge_period_length", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("percentage", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("unit_amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("unit", sa.String(length=50), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("lifecycle_status", sa.String(length=50), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
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
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_offering_price")),
        sa.UniqueConstraint("id", name=op.f("uq_product_offering_price_id")),
    )
    with op.batch_alter_table("product_offering_price", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_offering_price_last_update"), ["last_update"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_offering_price_lifecycle_status"), ["lifecycle_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_offering_price_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_offering_price_price_type"), ["price_type"], unique=False
        )

    op.create_table(
        "product_specification",
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("product_number", sa.String(length=100), nullable=True),
        sa.Column("is_bundle", sa.Boolean(), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("lifecycle_status", sa.String(length=50), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
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
        sa.Column("valid_from", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", sid_model.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_specification")),
        sa.UniqueConstraint("id", name=op.f("uq_product_specification_id")),
    )
    with op.batch_alter_table("product_specification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_specification_brand"), ["brand"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_specification_last_update"), ["last_update"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_specification_lifecycle_status"), ["lifecycle_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_specification_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_specification_product_number"), ["product_number"], unique=False
        )

    op.create_table(
        "category_product_offering",
        sa.Column("category_pk", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.String(length=200), nullable=True),
        sa.Column("ref_href", sa.String(length=500), nullable=True),
        sa.Column("ref_name", sa.String(length=500), nullable=True),
        sa.Column("ref_version", sa.String(length=50), nullable=True),
        sa.Column("ref_referred_type", sa.String(length=100), nullable=True),
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
            ["category_pk"],
            ["category.pk"],
            name=op.f("fk_category_product_offering_category_pk_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_category_product_offering")),
    )
    with op.batch_alter_table("category_product_offering", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_category_product_offering_category_pk"), ["category_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_category_product_offering_ref_id"), ["ref_id"], unique=False)

    op.create_table(
        "category_sub_category",
        sa.Column("category_pk", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.String(length=200), nullable=True),
        sa.Column("ref_href", sa.String(length=500), nullable=True),
        sa.Column("ref_name", sa.String(length=500), nullable=True),
        sa.Column("ref_version", sa.String(length=50), nullable=True),
        sa.Column("ref_referred_type", sa.String(length=100), nullable=True),
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
            ["category_pk"],
            ["category.pk"],
            name=op.f("fk_category_sub_category_category_pk_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_category_sub_category")),
    )
    with op.batch_alter_table("category_sub_category", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_category_sub_category_category_pk"), ["category_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_category_sub_category_ref_id"), ["ref_id"], unique=False)

    op.create_table(
        "product_catalog_category",
        sa.Column("catalog_pk", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.String(length=200), nullable=True),
        sa.Column("ref_href", sa.String(length=500), nullable=True),
        sa.Column("ref_name", sa.String(length=500), nullable=True),
        sa.Column("ref_version", sa.String(length=50), nullable=True),
        sa.Column("ref_referred_type", sa.String(length=100), nullable=True),
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
            ["catalog_pk"],
            ["product_catalog.pk"],
            name=op.f("fk_product_catalog_category_catalog_pk_product_catalog"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_catalog_category")),
    )
    with op.batch_alter_table("product_catalog_category", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_catalog_category_catalog_pk"), ["catalog_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_catalog_category_ref_id"), ["ref_id"], unique=False)

    op.create_table(
        "product_catalog_related_party",
        sa.Column("catalog_pk", sa.Integer(), nullable=False),
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
            ["catalog_pk"],
            ["product_catalog.pk"],
            name=op.f("fk_product_catalog_related_party_catalog_pk_product_catalog"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_catalog_related_party")),
    )
    with op.batch_alter_table("product_catalog_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_catalog_related_party_catalog_pk"), ["catalog_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_catalog_related_party_party_id"), ["party_id"], unique=False
        )

    op.create_table(
        "product_offering_bundled",
        sa.Column("offering_pk", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.String(length=200), nullable=True),
        sa.Column("ref_href", sa.String(length=500), nullable=True),
        sa.Column("ref_name", sa.String(length=500), nullable=True),
        sa.Column("ref_version", sa.String(length=50), nullable=True),
        sa.Column("ref_referred_type", sa.String(length=100), nullable=True),
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
            ["offering_pk"],
            ["product_offering.pk"],
            name=op.f("fk_product_offering_bundled_offering_pk_product_offering"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_offering_bundled")),
    )
    with op.batch_alter_table("product_offering_bundled", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_offering_bundled_offering_pk"), ["offering_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_offering_bundled_ref_id"), ["ref_id"], unique=False)

    op.create_table(
        "product_offering_category",
        sa.Column("offering_pk", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.String(length=200), nullable=True),
        sa.Column("ref_href", sa.String(length=500), nullable=True),
        sa.Column("ref_name", sa.String(length=500), nullable=True),
        sa.Column("ref_version", sa.String(length=50), nullable=True),
        sa.Column("ref_referred_type", sa.String(length=100), nullable=True),
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
            ["offering_pk"],
            ["product_offering.pk"],
            name=op.f("fk_product_offering_category_offering_pk_product_offering"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_offering_category")),
    )
    with op.batch_alter_table("product_offering_category", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_offering_category_offering_pk"), ["offering_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_offering_category_ref_id"), ["ref_id"], unique=False)

    op.create_table(
        "product_offering_price_ref",
        sa.Column("offering_pk", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.String(length=200), nullable=True),
        sa.Column("ref_href", sa.String(length=500), nullable=True),
        sa.Column("ref_name", sa.String(length=500), nullable=True),
        sa.Column("ref_version", sa.String(length=50), nullable=True),
        sa.Column("ref_referred_type", sa.String(length=100), nullable=True),
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
            ["offering_pk"],
            ["product_offering.pk"],
            name=op.f("fk_product_offering_price_ref_offering_pk_product_offering"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_offering_price_ref")),
    )
    with op.batch_alter_table("product_offering_price_ref", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_offering_price_ref_offering_pk"), ["offering_pk"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_offering_price_ref_ref_id"), ["ref_id"], unique=False)

    op.create_table(
        "product_offering_price_tax",
        sa.Column("tax_category", sa.String(length=100), nullable=True),
        sa.Column("tax_rate", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("tax_currency", sa.String(length=3), nullable=True),
        sa.Column("tax_amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("price_pk", sa.Integer(), nullable=False),
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
            ["price_pk"],
            ["product_offering_price.pk"],
            name=op.f("fk_product_offering_price_tax_price_pk_product_offering_price"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_offering_price_tax")),
    )
    with op.batch_alter_table("product_offering_price_tax", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_offering_price_tax_price_pk"), ["price_pk"], unique=False
        )

    op.create_table(
        "product_specification_bundled",
        sa.Column("specification_pk", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.String(length=200), nullable=True),
        sa.Column("ref_href", sa.String(length=500), nullable=True),
        sa.Column("ref_name", sa.String(length=500), nullable=True),
        sa.Column("ref_version", sa.String(length=50), nullable=True),
        sa.Column("ref_referred_type", sa.String(length=100), nullable=True),
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
            ["specification_pk"],
            ["product_specification.pk"],
            name=op.f("fk_product_specification_bundled_specification_pk_product_specification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_specification_bundled")),
    )
    with op.batch_alter_table("product_specification_bundled", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_specification_bundled_ref_id"), ["ref_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_specification_bundled_specification_pk"),
            ["specification_pk"],
            unique=False,
        )

    op.create_table(
        "product_specification_characteristic",
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("value_type", sa.String(length=50), nullable=True),
        sa.Column("configurable", sa.Boolean(), nullable=True),
        sa.Column("min_cardinality", sa.Integer(), nullable=True),
        sa.Column("max_cardinality", sa.Integer(), nullable=True),
        sa.Column("specification_pk", sa.Integer(), nullable=False),
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
            ["specification_pk"],
            ["product_specification.pk"],
            name=op.f("fk_product_specification_characteristic_specification_pk_product_specification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_specification_characteristic")),
    )
    with op.batch_alter_table("product_specification_characteristic", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_specification_characteristic_name"), ["name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_specification_characteristic_specification_pk"),
            ["specification_pk"],
            unique=False,
        )

    op.create_table(
        "product_specification_related_party",
        sa.Column("specification_pk", sa.Integer(), nullable=False),
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
            ["specification_pk"],
            ["product_specification.pk"],
            name=op.f("fk_product_specification_related_party_specification_pk_product_specification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_product_specification_related_party")),
    )
    with op.batch_alter_table("product_specification_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_specification_related_party_party_id"), ["party_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_specification_related_party_specification_pk"),
            ["specification_pk"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("product_specification_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_specification_related_party_specification_pk"))
        batch_op.drop_index(batch_op.f("ix_product_specification_related_party_party_id"))

    op.drop_table("product_specification_related_party")
    with op.batch_alter_table("product_specification_characteristic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_specification_characteristic_specification_pk"))
        batch_op.drop_index(batch_op.f("ix_product_specification_characteristic_name"))

    op.drop_table("product_specification_characteristic")
    with op.batch_alter_table("product_specification_bundled", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_specification_bundled_specification_pk"))
        batch_op.drop_index(batch_op.f("ix_product_specification_bundled_ref_id"))

    op.drop_table("product_specification_bundled")
    with op.batch_alter_table("product_offering_price_tax", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_price_tax_price_pk"))

    op.drop_table("product_offering_price_tax")
    with op.batch_alter_table("product_offering_price_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_price_ref_ref_id"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_ref_offering_pk"))

    op.drop_table("product_offering_price_ref")
    with op.batch_alter_table("product_offering_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_category_ref_id"))
        batch_op.drop_index(batch_op.f("ix_product_offering_category_offering_pk"))

    op.drop_table("product_offering_category")
    with op.batch_alter_table("product_offering_bundled", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_bundled_ref_id"))
        batch_op.drop_index(batch_op.f("ix_product_offering_bundled_offering_pk"))

    op.drop_table("product_offering_bundled")
    with op.batch_alter_table("product_catalog_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_catalog_related_party_party_id"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_related_party_catalog_pk"))

    op.drop_table("product_catalog_related_party")
    with op.batch_alter_table("product_catalog_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_catalog_category_ref_id"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_category_catalog_pk"))

    op.drop_table("product_catalog_category")
    with op.batch_alter_table("category_sub_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_sub_category_ref_id"))
        batch_op.drop_index(batch_op.f("ix_category_sub_category_category_pk"))

    op.drop_table("category_sub_category")
    with op.batch_alter_table("category_product_offering", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_product_offering_ref_id"))
        batch_op.drop_index(batch_op.f("ix_category_product_offering_category_pk"))

    op.drop_table("category_product_offering")
    with op.batch_alter_table("product_specification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_specification_product_number"))
        batch_op.drop_index(batch_op.f("ix_product_specification_name"))
        batch_op.drop_index(batch_op.f("ix_product_specification_lifecycle_status"))
        batch_op.drop_index(batch_op.f("ix_product_specification_last_update"))
        batch_op.drop_index(batch_op.f("ix_product_specification_brand"))

    op.drop_table("product_specification")
    with op.batch_alter_table("product_offering_price", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_price_price_type"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_name"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_lifecycle_status"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_last_update"))

    op.drop_table("product_offering_price")
    with op.batch_alter_table("product_offering", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_specification_id"))
        batch_op.drop_index(batch_op.f("ix_product_offering_name"))
        batch_op.drop_index(batch_op.f("ix_product_offering_lifecycle_status"))
        batch_op.drop_index(batch_op.f("ix_product_offering_last_update"))
        batch_op.drop_index(batch_op.f("ix_product_offering_is_bundle"))

    op.drop_table("product_offering")
    with op.batch_alter_table("product_catalog", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_catalog_name"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_lifecycle_status"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_last_update"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_catalog_type"))

    op.drop_table("product_catalog")
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_status"))
        batch_op.drop_index(batch_op.f("ix_import_job_creation_date"))

    op.drop_table("import_job")
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_job_status"))
        batch_op.drop_index(batch_op.f("ix_export_job_creation_date"))

    op.drop_table("export_job")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_parent_id"))
        batch_op.drop_index(batch_op.f("ix_category_name"))
        batch_op.drop_index(batch_op.f("ix_category_lifecycle_status"))
        batch_op.drop_index(batch_op.f("ix_category_last_update"))

    op.drop_table("category")
