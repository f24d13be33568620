"""The audit trail is not in the back office (D53): auditors read it at `/staff/audit/` and
`/api/audit/events`, scoped to their institution."""
