"""Migration 0017 opens a CNY bucket, and the accumulated balance summing it, for each billing
account stored before it, as opening the account through TMF666 does now (tmf_api.apis.prepay)."""

from __future__ import annotations

from sqlalchemy import text

from sid_model.db import make_engine, upgrade
from tmf_api.apis.prepay import accumulated_id, bucket_id


def test_billing_accounts_held_before_get_their_bucket(database_url: str) -> None:
    upgrade(database_url, "0014")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for pk, (id_, kind) in enumerate(
                [("BA-1", "billingAccount"), ("SA-1", "settlementAccount"), ("x" * 100, "billingAccount")],
                start=1,
            ):
                connection.execute(
                    text(
                        "INSERT INTO account (pk, id, kind, name, extension) "
                        "VALUES (:pk, :id, :kind, :name, '{}')"
                    ),
                    {"pk": pk, "id": id_, "kind": kind, "name": f"账户{pk}"},
                )
        upgrade(database_url)
        with engine.connect() as connection:
            buckets = connection.execute(
                text(
                    "SELECT id, party_account_id, usage_type, units, remaining_amount, status "
                    "FROM bucket ORDER BY pk"
                )
            ).all()
            sums = connection.execute(
                text("SELECT id, party_account_id, total_amount FROM accumulated_balance")
            ).all()
        assert [(b[0], b[1], b[2], b[3], float(b[4]), b[5]) for b in buckets] == [
            (bucket_id("BA-1"), "BA-1", "monetary", "CNY", 0.0, "active"),
            (bucket_id("x" * 100), "x" * 100, "monetary", "CNY", 0.0, "active"),
        ]
        assert bucket_id("BA-1") == "CNY-BA-1" and len(bucket_id("x" * 100)) == 36
        assert sorted((s[0], s[1]) for s in sums) == sorted(
            (accumulated_id(a, "monetary"), a) for a in ("BA-1", "x" * 100)
        )
    finally:
        engine.dispose()
