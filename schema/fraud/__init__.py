"""GraphQL types and root fields of fraud detection."""
