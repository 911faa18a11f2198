"""Initial schema: org units, data elements, data values, imports and the audit log.

Revision ID: 0001
Revises:
"""

from alembic import op
import sqlalchemy as sa


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_element",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name_vi", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value_type", sa.String(length=10), nullable=False),
        sa.Column("standard", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "org_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("full_name", sa.String(length=250), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("boundary", sa.Text(), nullable=True),
        sa.Column("centroid_lat", sa.Float(), nullable=True),
        sa.Column("centroid_lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["org_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_unit_level"), ["level"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_org_unit_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_org_unit_path"), ["path"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # LIKE 'prefix%' on a subtree path uses an index only with pattern ops
        # under a non-C collation.
        op.execute(
            "CREATE INDEX ix_org_unit_path_pattern ON org_unit (path varchar_pattern_ops)"
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("data_element_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=2), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_changed_at"), ["changed_at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_unit_element",
            ["org_unit_id", "data_element_id", "year", "period"],
            unique=False,
        )

    op.create_table(
        "data_value",
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("data_element_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=2), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("period IN ('H1', 'FY')", name="ck_data_value_period"),
        sa.ForeignKeyConstraint(
            ["data_element_id"],
            ["data_element.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_unit.id"],
        ),
        sa.PrimaryKeyConstraint("org_unit_id", "data_element_id", "year", "period"),
    )
    with op.batch_alter_table("data_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_data_value_year_period",
            ["year", "period", "data_element_id"],
            unique=False,
        )

    op.create_table(
        "org_unit_merger",
        sa.Column("old_unit_id", sa.Integer(), nullable=False),
        sa.Column("new_unit_id", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["new_unit_id"],
            ["org_unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["old_unit_id"],
            ["org_unit.id"],
        ),
        sa.PrimaryKeyConstraint("old_unit_id", "new_unit_id"),
    )


def downgrade() -> None:
    op.drop_table("org_unit_merger")
    with op.batch_alter_table("data_value", schema=None) as batch_op:
        batch_op.drop_index("ix_data_value_year_period")

    op.drop_table("data_value")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_unit_element")
        batch_op.drop_index(batch_op.f("ix_audit_log_changed_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_path"))
        batch_op.drop_index(batch_op.f("ix_org_unit_parent_id"))
        batch_op.drop_index(batch_op.f("ix_org_unit_level"))

    op.drop_table("org_unit")
    op.drop_table("import_batch")
    op.drop_table("data_element")
