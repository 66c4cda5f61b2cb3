"""Posted bills and their lines cannot be deleted, not even by raw SQL.

Posting writes bills and lines set-based, so the database no longer checks each line's foreign
key to its bill (migration 0003): these triggers keep the guarantee that no line is ever left
without its bill, and make "posted rows are immutable" hold below the ORM too. Fee items that
have billed lines cannot be deleted either. TRUNCATE (test database flushes) is not affected.
PostgreSQL only: SQLite (the embedded, single-site mode) flushes its test databases with DELETE,
so there the models' own refusals are the guard.
"""

from django.db import migrations

MESSAGE = "posted bills and bill lines cannot be deleted; issue a credit note instead"
FEE_ITEM_MESSAGE = "a fee item with billed lines cannot be deleted"

POSTGRESQL = [
    f"""
    CREATE FUNCTION anju_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER billing_bill_no_delete BEFORE DELETE ON billing_bill
        FOR EACH ROW EXECUTE FUNCTION anju_refuse_delete();
    CREATE TRIGGER billing_billline_no_delete BEFORE DELETE ON billing_billline
        FOR EACH ROW EXECUTE FUNCTION anju_refuse_delete();
    CREATE FUNCTION anju_refuse_billed_fee_item_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM billing_billline WHERE fee_item_id = OLD.id) THEN
            RAISE EXCEPTION '{FEE_ITEM_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END $$;
    CREATE TRIGGER billing_feeitem_no_delete_when_billed BEFORE DELETE ON billing_feeitem
        FOR EACH ROW EXECUTE FUNCTION anju_refuse_billed_fee_item_delete();
    """
]
POSTGRESQL_REVERSE = [
    """
    DROP TRIGGER billing_feeitem_no_delete_when_billed ON billing_feeitem;
    DROP FUNCTION anju_refuse_billed_fee_item_delete();
    DROP TRIGGER billing_billline_no_delete ON billing_billline;
    DROP TRIGGER billing_bill_no_delete ON billing_bill;
    DROP FUNCTION anju_refuse_delete();
    """
]
def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_staged_run_lines_and_lean_posting")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL}),
            _run({"postgresql": POSTGRESQL_REVERSE}),
        )
    ]
