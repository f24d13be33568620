"""Nothing of notifications is in the back office: every notice names a phone and a patient's
appointment, report or bill (D7, D53). Delivery is watched through the worker's log and the
sandbox page (`/staff/sms/`, staff sign-in)."""
