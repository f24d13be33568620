"""The e-bill worker's queue (D245): settled fee settlements whose e-bill was not issued after
commit (the recovery sweep's old question) become due."""

from django.db import migrations, models


def mark_missing_ebills_due(apps, schema_editor) -> None:
    Settlement = apps.get_model("billing", "Settlement")
    Settlement.objects.filter(
        status="settled",
        ebill_id="",
        repaid_debt__isnull=True,
        deposit_top_up__isnull=True,  # deposits get no medical e-bill
    ).update(ebill_due=True)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_blood_donation_reimbursement"),
        ("consortium", "0003_department_ages_doctor_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="settlement",
            name="ebill_due",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="settlement",
            name="settled_by",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddIndex(
            model_name="settlement",
            index=models.Index(
                condition=models.Q(("ebill_due", True)), fields=["id"], name="settlement_ebill_due"
            ),
        ),
        migrations.RunPython(mark_missing_ebills_due, migrations.RunPython.noop),
    ]
