"""Reference data: fluoroscopy-guided pain procedures (CPT) and the contract clauses a clinic must spell out.

The rows are frozen here (not imported from application code) so this migration means the same thing
forever.  Sources: shared/domain.md §5 (procedures, CPT; [U] codes flagged for review) and §7 (clauses).

Revision ID: 0002_reference_data
Revises: 0001_core_schema
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_reference_data"
down_revision = "0001_core_schema"
branch_labels = None
depends_on = None

PROCEDURES = [
    ("64479", "Transforaminal ESI, cervical/thoracic"),
    ("64483", "Transforaminal ESI, lumbar/sacral"),
    ("62321", "Interlaminar ESI with imaging, cervical/thoracic"),
    ("62323", "Interlaminar/caudal ESI with imaging, lumbar/sacral"),
    ("62325", "Epidural catheter infusion with imaging, cervical/thoracic"),
    ("62327", "Epidural catheter infusion with imaging, lumbar/sacral"),
    ("64490", "Facet joint injection / medial branch block, cervical/thoracic"),
    ("64493", "Facet joint injection / medial branch block, lumbar/sacral"),
    ("64633", "Facet RFA (medial branch neurotomy), cervical/thoracic"),
    ("64635", "Facet RFA (medial branch neurotomy), lumbar/sacral"),
    ("27096", "Sacroiliac joint injection"),
    ("64625", "Sacroiliac joint RFA"),
    ("64454", "Genicular nerve block"),
    ("64624", "Genicular nerve RFA"),
    ("22510", "Vertebroplasty, cervicothoracic"),
    ("22511", "Vertebroplasty, lumbosacral"),
    ("22513", "Kyphoplasty, thoracic"),
    ("22514", "Kyphoplasty, lumbar"),
    ("64510", "Stellate ganglion block"),
    ("64520", "Lumbar sympathetic block"),
    ("64530", "Celiac plexus block"),
    ("64517", "Superior hypogastric plexus block"),
    ("62290", "Discography, lumbar"),
    ("62291", "Discography, cervical/thoracic"),
    ("63650", "Spinal cord stimulator trial (percutaneous lead)"),
    ("64628", "Basivertebral nerve ablation"),
]

# key, title, description, applies_to
CLAUSES = [
    (
        "procedures",
        "Procedures covered",
        "The fluoroscopy-guided procedures the technologist supports.",
        "all",
    ),
    (
        "qc_duties",
        "QC duties",
        "Weekly exposure-rate documentation against the physicist's baseline, with the escalation path.",
        "all",
    ),
    (
        "radiation_safety",
        "Radiation-safety compliance",
        "Aprons, thyroid shields, dosimeters (worn and "
        "returned on time, other-employer dose disclosed), ALARA, garment pre-use checks.",
        "all",
    ),
    ("teamwork", "Communication and teamwork", "Expectations for working with physicians and staff.", "all"),
    (
        "fault_reporting",
        "Reporting technical problems and deviations",
        "Equipment faults and deviations reported at once, with the service-ticket link.",
        "all",
    ),
    ("confidentiality", "Confidentiality / HIPAA and ethics", "Patient privacy, HIPAA, ARRT ethics.", "all"),
    (
        "compensation",
        "Compensation and scheduling",
        "Rates, cancellation and overtime terms, scheduling.",
        "all",
    ),
    (
        "credential_notice",
        "Credential maintenance and notice duty",
        "Keep credentials current and notify the clinic of any lapse, discipline or ARRT ethics action.",
        "all",
    ),
    ("fluoro_training", "Annual fluoroscopy safety training", "TJC HR.01.05.03.", "all"),
    (
        "exclusion_attestation",
        "OIG/SAM exclusion attestation",
        "Not excluded from federal health programs.",
        "all",
    ),
    (
        "insurance",
        "Certificate of insurance",
        "Professional liability insurance certificate on file, with its expiry.",
        "all",
    ),
    (
        "baa",
        "Business associate agreement",
        "Where the vendor handles protected health information.",
        "agency",
    ),
    (
        "qualified_staff",
        "Agency supplies only qualified, verified staff",
        "The agency verifies credentials and reports any lapse.",
        "agency",
    ),
    ("i9_responsibility", "Who performs the I-9", "Employer of record for employment eligibility.", "all"),
]


def upgrade() -> None:
    procedure_types = sa.table(
        "procedure_types",
        sa.column("cpt_code", sa.String),
        sa.column("name", sa.String),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(procedure_types, [{"cpt_code": c, "name": n, "active": True} for c, n in PROCEDURES])
    clause_definitions = sa.table(
        "clause_definitions",
        sa.column("key", sa.String),
        sa.column("title", sa.String),
        sa.column("description", sa.Text),
        sa.column("builtin", sa.Boolean),
        sa.column("required", sa.Boolean),
        sa.column("applies_to", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        clause_definitions,
        [
            {
                "key": k,
                "title": t,
                "description": d,
                "builtin": True,
                "required": k != "baa",
                "applies_to": a,
                "active": True,
                "position": i,
            }
            for i, (k, t, d, a) in enumerate(CLAUSES)
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM clause_definitions WHERE builtin = 1")
    op.execute("DELETE FROM procedure_types")
