"""E-bills are not in the back office: each names a patient and what they paid for (D7, D53).
Patients read theirs on the phone; the fiscal platform's verification page serves the public."""
