"""Record when an order was handed to the broker, which code ran a run, and forbid a negative
filled quantity.

``orders.submitted_at`` tells "persisted but never submitted" (a crash between the two) from
"submitted, no answer yet" during reconciliation. Adding the CHECK constraint rebuilds ``orders``
on SQLite (copy, drop, rename) while ``fills`` and ``order_events`` point at it: the migration
runner keeps foreign keys off around the rebuild and checks them before committing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``runs.code_version``, ``orders.submitted_at`` and the filled-quantity check."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("code_version", sa.String(length=32), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(op.f("ck_orders_filled_not_negative"), "filled_quantity >= 0")


def downgrade() -> None:
    """Remove them again (the dropped columns' values are lost)."""
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(op.f("ck_orders_filled_not_negative"), type_="check")
        batch.drop_column("submitted_at")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("code_version")
