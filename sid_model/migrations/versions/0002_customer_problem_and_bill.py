"""Customer Problem and Customer Bill ABEs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:17:17.076681
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sid_model.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "bill_cycle",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("billing_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("charge_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("credit_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("mailing_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("payment_due_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_bill_cycle")),
        sa.UniqueConstraint("id", name=op.f("uq_bill_cycle_id")),
    )
    op.create_table(
        "customer_bill",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("bill_no", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("run_type", sa.String(length=50), nullable=True),
        sa.Column("bill_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("next_bill_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("payment_due_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("billing_period_start", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("billing_period_end", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("billing_account_id", sa.String(length=200), nullable=True),
        sa.Column("billing_account_name", sa.String(length=500), nullable=True),
        sa.Column("bill_cycle_id", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_due", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("remaining_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("tax_excluded_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("tax_included_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_customer_bill")),
        sa.UniqueConstraint("id", name=op.f("uq_customer_bill_id")),
    )
    with op.batch_alter_table("customer_bill", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_bill_bill_cycle_id"), ["bill_cycle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_bill_bill_date"), ["bill_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_bill_bill_no"), ["bill_no"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customer_bill_billing_account_id"), ["billing_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_bill_state"), ["state"], unique=False)

    op.create_table(
        "customer_bill_on_demand",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("billing_account_id", sa.String(length=200), nullable=True),
        sa.Column("billing_account_name", sa.String(length=500), nullable=True),
        sa.Column("customer_bill_id", sa.String(length=100), nullable=True),
        sa.Column("customer_bill_href", sa.String(length=500), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_customer_bill_on_demand")),
        sa.UniqueConstraint("id", name=op.f("uq_customer_bill_on_demand_id")),
    )
    with op.batch_alter_table("customer_bill_on_demand", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_bill_on_demand_billing_account_id"), ["billing_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_bill_on_demand_customer_bill_id"), ["customer_bill_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_bill_on_demand_state"), ["state"], unique=False)

    op.create_table(
        "trouble_ticket",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(length=50), nullable=True),
        sa.Column("priority", sa.String(length=50), nullable=True),
        sa.Column("ticket_type", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("status_change_reason", sa.Text(), nullable=True),
        sa.Column("status_change_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("creation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("requested_resolution_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("expected_resolution_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("resolution_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("channel_id", sa.String(length=200), nullable=True),
        sa.Column("channel_name", sa.String(length=500), nullable=True),
        sa.Column("specification_id", sa.String(length=100), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket")),
        sa.UniqueConstraint("id", name=op.f("uq_trouble_ticket_id")),
    )
    with op.batch_alter_table("trouble_ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trouble_ticket_creation_date"), ["creation_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_expected_resolution_date"),
            ["expected_resolution_date"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_trouble_ticket_priority"), ["priority"], unique=False)
        batch_op.create_index(batch_op.f("ix_trouble_ticket_severity"), ["severity"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_specification_id"), ["specification_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trouble_ticket_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_trouble_ticket_ticket_type"), ["ticket_type"], unique=False)

    op.create_table(
        "trouble_ticket_specification",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("lifecycle_status", sa.String(length=50), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("creation_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("last_update", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket_specification")),
        sa.UniqueConstraint("id", name=op.f("uq_trouble_ticket_specification_id")),
    )
    with op.batch_alter_table("trouble_ticket_specification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_specification_creation_date"), ["creation_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_specification_lifecycle_status"), ["lifecycle_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trouble_ticket_specification_name"), ["name"], unique=False)

    op.create_table(
        "applied_customer_billing_rate",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rate_type", sa.String(length=50), nullable=True),
        sa.Column("date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("is_billed", sa.Boolean(), nullable=False),
        sa.Column("billing_account_id", sa.String(length=200), nullable=True),
        sa.Column("bill_id", sa.String(length=100), nullable=True),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("product_name", sa.String(length=500), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("tax_excluded_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("tax_included_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("tax_rate", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("period_start", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("period_end", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("product_order_id", sa.String(length=100), nullable=True),
        sa.Column("product_order_item_id", sa.String(length=100), nullable=True),
        sa.Column("at_type", sa.String(length=100), nullable=True),
        sa.Column("at_base_type", sa.String(length=100), nullable=True),
        sa.Column("at_schema_location", sa.String(length=500), nullable=True),
        sa.Column(
            "extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["customer_bill.id"],
            name=op.f("fk_applied_customer_billing_rate_bill_id_customer_bill"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_applied_customer_billing_rate")),
        sa.UniqueConstraint("id", name=op.f("uq_applied_customer_billing_rate_id")),
    )
    with op.batch_alter_table("applied_customer_billing_rate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applied_customer_billing_rate_bill_id"), ["bill_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_applied_customer_billing_rate_billing_account_id"),
            ["billing_account_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_applied_customer_billing_rate_date"), ["date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_applied_customer_billing_rate_is_billed"), ["is_billed"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_applied_customer_billing_rate_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_applied_customer_billing_rate_product_order_id"),
            ["product_order_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_applied_customer_billing_rate_rate_type"), ["rate_type"], unique=False
        )

    op.create_table(
        "customer_bill_related_party",
        sa.Column("bill_pk", sa.Integer(), nullable=False),
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
            ["bill_pk"],
            ["customer_bill.pk"],
            name=op.f("fk_customer_bill_related_party_bill_pk_customer_bill"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_customer_bill_related_party")),
    )
    with op.batch_alter_table("customer_bill_related_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_bill_related_party_bill_pk"), ["bill_pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customer_bill_related_party_party_id"), ["party_id"], unique=False
        )

    op.create_table(
        "trouble_ticket_external_identifier",
        sa.Column("ticket_pk", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=500), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("identifier_type", sa.String(length=200), nullable=True),
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
            ["ticket_pk"],
            ["trouble_ticket.pk"],
            name=op.f("fk_trouble_ticket_external_identifier_ticket_pk_trouble_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket_external_identifier")),
    )
    with op.batch_alter_table("trouble_ticket_external_identifier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_external_identifier_identifier"), ["identifier"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_external_identifier_ticket_pk"), ["ticket_pk"], unique=False
        )

    op.create_table(
        "trouble_ticket_note",
        sa.Column("ticket_pk", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.String(length=200), nullable=True),
        sa.Column("author", sa.String(length=500), nullable=True),
        sa.Column("date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
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
            ["ticket_pk"],
            ["trouble_ticket.pk"],
            name=op.f("fk_trouble_ticket_note_ticket_pk_trouble_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket_note")),
    )
    with op.batch_alter_table("trouble_ticket_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trouble_ticket_note_ticket_pk"), ["ticket_pk"], unique=False)

    op.create_table(
        "trouble_ticket_related_entity",
        sa.Column("ticket_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column("entity_href", sa.String(length=500), nullable=True),
        sa.Column("entity_name", sa.String(length=500), nullable=True),
        sa.Column("entity_referred_type", sa.String(length=100), nullable=True),
        sa.Column("entity_at_type", sa.String(length=100), nullable=True),
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
            ["ticket_pk"],
            ["trouble_ticket.pk"],
            name=op.f("fk_trouble_ticket_related_entity_ticket_pk_trouble_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket_related_entity")),
    )
    with op.batch_alter_table("trouble_ticket_related_entity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_related_entity_entity_id"), ["entity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_related_entity_entity_referred_type"),
            ["entity_referred_type"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_related_entity_ticket_pk"), ["ticket_pk"], unique=False
        )

    op.create_table(
        "trouble_ticket_related_party",
        sa.Column("ticket_pk", sa.Integer(), nullable=False),
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
            ["ticket_pk"],
            ["trouble_ticket.pk"],
            name=op.f("fk_trouble_ticket_related_party_ticket_pk_trouble_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket_related_party")),
    )
    with op.batch_alter_table("trouble_ticket_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_related_party_party_id"), ["party_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_related_party_ticket_pk"), ["ticket_pk"], unique=False
        )

    op.create_table(
        "trouble_ticket_specification_related_party",
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
            ["trouble_ticket_specification.pk"],
            name=op.f(
                "fk_trouble_ticket_specification_related_party_specification_pk_trouble_ticket_specification"
            ),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket_specification_related_party")),
    )
    with op.batch_alter_table("trouble_ticket_specification_related_party", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_specification_related_party_party_id"), ["party_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_specification_related_party_specification_pk"),
            ["specification_pk"],
            unique=False,
        )

    op.create_table(
        "trouble_ticket_status_change",
        sa.Column("ticket_pk", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("change_date", sid_model.base.UTCDateTime(), nullable=True),
        sa.Column("change_reason", sa.Text(), nullable=True),
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
            ["ticket_pk"],
            ["trouble_ticket.pk"],
            name=op.f("fk_trouble_ticket_status_change_ticket_pk_trouble_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_trouble_ticket_status_change")),
    )
    with op.batch_alter_table("trouble_ticket_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trouble_ticket_status_change_ticket_pk"), ["ticket_pk"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("trouble_ticket_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_status_change_ticket_pk"))

    op.drop_table("trouble_ticket_status_change")
    with op.batch_alter_table("trouble_ticket_specification_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_specification_related_party_specification_pk"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_specification_related_party_party_id"))

    op.drop_table("trouble_ticket_specification_related_party")
    with op.batch_alter_table("trouble_ticket_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_related_party_ticket_pk"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_related_party_party_id"))

    op.drop_table("trouble_ticket_related_party")
    with op.batch_alter_table("trouble_ticket_related_entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_related_entity_ticket_pk"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_related_entity_entity_referred_type"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_related_entity_entity_id"))

    op.drop_table("trouble_ticket_related_entity")
    with op.batch_alter_table("trouble_ticket_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_note_ticket_pk"))

    op.drop_table("trouble_ticket_note")
    with op.batch_alter_table("trouble_ticket_external_identifier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_external_identifier_ticket_pk"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_external_identifier_identifier"))

    op.drop_table("trouble_ticket_external_identifier")
    with op.batch_alter_table("customer_bill_related_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_bill_related_party_party_id"))
        batch_op.drop_index(batch_op.f("ix_customer_bill_related_party_bill_pk"))

    op.drop_table("customer_bill_related_party")
    with op.batch_alter_table("applied_customer_billing_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applied_customer_billing_rate_rate_type"))
        batch_op.drop_index(batch_op.f("ix_applied_customer_billing_rate_product_order_id"))
        batch_op.drop_index(batch_op.f("ix_applied_customer_billing_rate_product_id"))
        batch_op.drop_index(batch_op.f("ix_applied_customer_billing_rate_is_billed"))
        batch_op.drop_index(batch_op.f("ix_applied_customer_billing_rate_date"))
        batch_op.drop_index(batch_op.f("ix_applied_customer_billing_rate_billing_account_id"))
        batch_op.drop_index(batch_op.f("ix_applied_customer_billing_rate_bill_id"))

    op.drop_table("applied_customer_billing_rate")
    with op.batch_alter_table("trouble_ticket_specification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_specification_name"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_specification_lifecycle_status"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_specification_creation_date"))

    op.drop_table("trouble_ticket_specification")
    with op.batch_alter_table("trouble_ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_ticket_type"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_status"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_specification_id"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_severity"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_priority"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_expected_resolution_date"))
        batch_op.drop_index(batch_op.f("ix_trouble_ticket_creation_date"))

    op.drop_table("trouble_ticket")
    with op.batch_alter_table("customer_bill_on_demand", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_bill_on_demand_state"))
        batch_op.drop_index(batch_op.f("ix_customer_bill_on_demand_customer_bill_id"))
        batch_op.drop_index(batch_op.f("ix_customer_bill_on_demand_billing_account_id"))

    op.drop_table("customer_bill_on_demand")
    with op.batch_alter_table("customer_bill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_bill_state"))
        batch_op.drop_index(batch_op.f("ix_customer_bill_billing_account_id"))
        batch_op.drop_index(batch_op.f("ix_customer_bill_bill_no"))
        batch_op.drop_index(batch_op.f("ix_customer_bill_bill_date"))
        batch_op.drop_index(batch_op.f("ix_customer_bill_bill_cycle_id"))

    op.drop_table("customer_bill")
    op.drop_table("bill_cycle")
