"""rendered forms of the catalog's, parties', customers' and accounts' roots (TMF620, TMF632, TMF629,
TMF666; tmf_api.engine.rendered); an individual's final state stored in one spelling

Rows stored before this revision have no forms (NULL) and are read the slow way until their next
change or `tmf db render`. TMF632 v4 stored its published `deceaded` as given: the one stored
value is now `deceased`, which v4 shows in its own spelling (mappings/TMF632/individual.yaml).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 18:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = (
    "product_catalog",
    "category",
    "product_specification",
    "product_offering",
    "product_offering_price",
    "import_job",
    "export_job",
    "individual",
    "organization",
    "customer",
    "account",
    "bill_format",
    "bill_presentation_media",
    "billing_cycle_specification",
)
VERSIONS = ("v4", "v5")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for version in VERSIONS:
                batch.add_column(sa.Column(f"rendered_{version}", sa.Text(), nullable=True))
    op.execute("UPDATE individual SET status = 'deceased' WHERE status = 'deceaded'")


def downgrade() -> None:
    # The v4 spelling is not restored: before 0014 either spelling was a stored final state.
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for version in VERSIONS:
                batch.drop_column(f"rendered_{version}")
