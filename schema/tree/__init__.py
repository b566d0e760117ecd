"""GraphQL types and root fields of the referral tree (and the audit trail)."""
