"""Pure fraud rules: identifiers, grouping into rings and scoring, evidence."""
