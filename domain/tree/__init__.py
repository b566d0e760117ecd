"""Pure rules of the referral tree: materialized paths and level counters, ranks, binding."""
