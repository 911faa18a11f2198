"""A covering index for the figures of an area and period.

Revision ID: 0003
Revises: 0002

Pages read "every commune's figures for these elements in (year, period)": with the
old index on (year, period, data_element_id) each of those rows cost a lookup in the
table, which is stored commune by commune; at national scale (10,600 communes) that
was ~700,000 scattered reads for one page. This index holds the commune and the value
(and when it was written) itself, so the read is one contiguous index range and the
table is not touched. It replaces `ix_data_value_year_period`, its prefix.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_data_value_cover ON data_value "
            "(year, period, data_element_id, org_unit_id) INCLUDE (value, updated_at)"
        )
    else:
        op.create_index(
            "ix_data_value_cover",
            "data_value",
            ["year", "period", "data_element_id", "org_unit_id", "value", "updated_at"],
        )
    op.drop_index("ix_data_value_year_period", table_name="data_value")


def downgrade() -> None:
    op.create_index("ix_data_value_year_period", "data_value", ["year", "period", "data_element_id"])
    op.drop_index("ix_data_value_cover", table_name="data_value")
