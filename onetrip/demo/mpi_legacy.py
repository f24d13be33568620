"""Demo data of the master patient index's legacy loads (issue 17), made through its service: a
small file from an old hospital system and its lab system, loaded as a consortium would. One
row links to the record holding its document, one without a birth date is kept in the index,
two are kept and flagged (a birth date other than the ID number's, a newborn under a minor
guardian's document), one without a name is refused with its reason. Look them up under
"Duplicates" → "Legacy source records" (e.g. HIS-2019 · A1002, LIS-2015 · L77); `onetrip empi
dedupe` links the lab row to 陈建国."""

from __future__ import annotations

import io

from onetrip.core.actors import Actor
from onetrip.mpi import legacy

LEGACY_FILE = """source_system,source_record_id,name,sex,birth_date,phone,address,doc_type,doc_number,guardian_doc_type,guardian_number,guardian_relationship
HIS-2019,A1001,陈建国,male,1967-04-12,13905710001,杭州市西湖区文三路18号,resident_id,330102196704120871,,,
HIS-2019,A1002,陈建国,male,1967-04-12,13905710001,杭州市西湖区文三路18号,resident_id,330102196704120871,,,
LIS-2015,L77,陈建国,male,,13905710001,杭州市西湖区文三路18号,,,,,
HIS-2019,A1003,周丽华,female,1978-09-24,13905710002,,resident_id,330102197809230561,,,
HIS-2019,A1004,周小宝,male,2026-10-01,13905710003,,,,resident_id,330106201106150316,parent
HIS-2019,A1005,,female,1980-01-01,13905710004,,,,,,
"""  # noqa: E501 - one CSV row per line, as the old system wrote it


def load(*, loader: Actor) -> legacy.LoadReport:
    return legacy.load_csv(io.StringIO(LEGACY_FILE), actor=loader, default_system="demo")
