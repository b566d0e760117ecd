"""The three-level cap, defined once: commissions and team views never reach more than
three levels (《禁止传销条例》 and WeChat's rules). The settings refuse a configuration
above it at start-up; the tree keeps level counters for exactly these levels; rule sets
name at most these levels."""

LEVEL_CAP = 3
CAP_RULE = (
    "commissions and team views may reach at most three levels "
    "(the three-level cap of 《禁止传销条例》 and WeChat's rules)"
)
