"""Currencies: every amount of an assessment is in the reporting currency.

Catalog prices come in the currency of their region (USD; AWS cn-north-1 in
CNY); storage and egress prices are USD; on-premises TCO assumptions are in
the reporting currency (``currency`` in skylift.yaml, default USD). Amounts in
different currencies are never added: a price in another currency is
converted with the rate the settings state (``assess.currency_rates``: units of
the reporting currency per unit of the other, e.g. ``{CNY: 0.14}`` with USD),
and without one the assessment stops with an error naming both currencies and
the setting.
"""

from __future__ import annotations

from skylift.assess.policy import AssessPolicy
from skylift.errors import ConfigError

#: Currency of the catalog's storage and egress prices.
STORAGE_CURRENCY = "USD"


def rate(policy: AssessPolicy, currency: str, what: str) -> float:
    """Units of the reporting currency per unit of ``currency`` (1 when they are the same).

    Raises :class:`ConfigError` naming ``what`` (e.g. "aws/cn-north-1 instance
    prices"), both currencies and the setting when no rate is given.
    """
    want = policy.currency.upper()
    have = currency.upper()
    if have == want:
        return 1.0
    rates = {k.upper(): v for k, v in policy.currency_rates.items()}
    if have not in rates:
        raise ConfigError(
            f"{what} are in {have} but the assessment reports in {want}: amounts in "
            "different currencies are never added, and no exchange rate is set",
            f"state the rate in skylift.yaml 'assess.currency_rates: {{{have}: RATE}}' or "
            f"with --rate {have}=RATE (RATE = {want} per {have}), or drop that region "
            "from 'targets'",
        )
    return rates[have]


def conversion_note(policy: AssessPolicy, currency: str, what: str) -> str:
    """The warning shown when ``what`` was converted ('' when no conversion)."""
    r = rate(policy, currency, what)
    if r == 1.0 and currency.upper() == policy.currency.upper():
        return ""
    return (
        f"{what} converted from {currency.upper()} to {policy.currency.upper()} at "
        f"{r:g} {policy.currency.upper()} per {currency.upper()} (assess.currency_rates)"
    )
