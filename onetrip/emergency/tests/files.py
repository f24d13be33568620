"""Small valid and invalid ECG files for the tests, the demo's look-alikes."""

from __future__ import annotations

AECG_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<AnnotatedECG xmlns="urn:hl7-org:v3"><id root="ecg-1"/>'
    b'<component><series><code code="RHYTHM"/></series></component></AnnotatedECG>\n'
)
# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
