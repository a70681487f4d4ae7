"""A rough hourly cost, shown before anything billed is created.

The figures are on-demand list prices in USD for us-east-1 and us-west-2 (the two charge the same for
Redshift), written down by hand: an estimate to make the size of the bill visible, not a quote.  Prices
change; https://aws.amazon.com/redshift/pricing/ is the authority.
"""

from __future__ import annotations

from sparkify.iac.settings import InfraSettings

PRICING_URL = "https://aws.amazon.com/redshift/pricing/"
PRICED_REGIONS = ("us-east-1", "us-west-2")

# USD per node-hour, on demand.
NODE_HOUR_USD = {
    "dc2.large": 0.25,
    "dc2.8xlarge": 4.80,
    "ra3.large": 0.543,
    "ra3.xlplus": 1.086,
    "ra3.4xlarge": 3.26,
    "ra3.16xlarge": 13.04,
}
# USD per RPU-hour of Redshift Serverless, billed per second only while queries run (60 s minimum).
RPU_HOUR_USD = 0.375


def hourly_usd(settings: InfraSettings) -> float | None:
    """Estimated USD per hour of compute at the configured size; None for a node type not in the table."""
    if settings.serverless:
        return settings.base_capacity * RPU_HOUR_USD
    price = NODE_HOUR_USD.get(settings.node_type)
    return None if price is None else price * settings.number_of_nodes


def estimate(settings: InfraSettings) -> str:
    """A few lines for the terminal saying what it will roughly cost and when the meter runs."""
    hourly = hourly_usd(settings)
    if settings.serverless:
        size = f"{settings.base_capacity} RPU base capacity at ~${RPU_HOUR_USD:.3f}/RPU-hour"
        when = "while queries run (per second, 60 s minimum); idle time costs no compute"
    else:
        unit = NODE_HOUR_USD.get(settings.node_type)
        each = f" at ~${unit:.3f}/node-hour" if unit is not None else ""
        size = f"{settings.number_of_nodes} x {settings.node_type}{each}"
        when = "for every hour the cluster exists, used or not, until 'iac/cluster.py delete'"
    lines = [f"Cost estimate (on-demand list prices for {'/'.join(PRICED_REGIONS)}; not a quote):"]
    if hourly is None:
        lines.append(f"  {size}: no price on record for {settings.node_type}; see {PRICING_URL}")
    else:
        lines.append(f"  {size} = ~${hourly:.2f}/hour (~${hourly * 24:.0f}/day),")
        lines.append(f"  {when}")
    if settings.region not in PRICED_REGIONS:
        lines.append(f"  prices in {settings.region} may differ; see {PRICING_URL}")
    lines.append("  storage and data transfer are billed on top")
    return "\n".join(lines)
