"""The fulfilment simulator (tmf_api/simulator.py, mappings/fulfilment.yaml), driven with a fake clock:
orders and tickets move along their lifecycles only once due, through the normal rules (items
complete, rates are billed, resolution dates are set), and rows a client moved are left alone."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.test_tmf621 import V5 as TICKETS
from tests.api.test_tmf621 import ticket_v5
from tests.api.test_tmf622 import V4 as ORDERS_V4
from tests.api.test_tmf622 import V5 as ORDERS
from tests.api.test_tmf622 import order_v4, order_v5
from tests.api.test_tmf678 import V5 as BILLS
from tests.api.test_tmf678 import new_account, price
from tests.fixtures.app import CheckedClient, make_client
from tmf_api.engine.resource import utcnow
from tmf_api.resources import data_dir
from tmf_api.simulator import FulfilmentSimulator, load_rules, parse_delay

MERGE = {"content-type": "application/merge-patch+json"}
SECOND = dt.timedelta(seconds=1)
EPSILON = dt.timedelta(milliseconds=100)


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def client(database_url: str) -> Iterator[CheckedClient]:
    with make_client(database_url) as client:
        yield client


def simulator(client: CheckedClient, **kwargs: Any) -> FulfilmentSimulator:
    app: Any = client.app
    return FulfilmentSimulator(app.runtimes, app.sessions, **kwargs)


def step_delay(sim: FulfilmentSimulator, resource: str, state: str) -> dt.timedelta:
    return sim.rules.resources[resource].steps[state].after


def new_order(
    client: CheckedClient, description: str, account: str | None = None, version: str = "v5"
) -> dict[str, Any]:
    body = order_v5(description) if version == "v5" else order_v4(description)
    if account is not None:
        body["billingAccount"] = {"id": account} | ({"@type": "BillingAccountRef"} if version == "v5" else {})
        body["productOrderItem"][0]["itemPrice"] = [price("开户费", "oneTime", "169.00", excluded="159.43")]
    response = client.post(f"{ORDERS_V4 if version == 'v4' else ORDERS}/productOrder", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "acknowledged"
    order: dict[str, Any] = response.json()
    return order


def get(client: CheckedClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def order_state(client: CheckedClient, order: dict[str, Any]) -> str:
    state: str = get(client, f"{ORDERS}/productOrder/{order['id']}")["state"]
    return state


# The simulator moves orders through v5: one a partner created through v4 must move too, and read
# completed through v4 (issue 13: every v5 PATCH of a v4 order failed, so none ever moved).
@pytest.mark.parametrize("created_through", ["v4", "v5"])
def test_order_is_fulfilled_after_the_configured_delays_and_billed(
    client: CheckedClient, created_through: str
) -> None:
    account = new_account(client)
    order = new_order(client, "新装5G手机号码", account, created_through)
    t0 = utcnow()
    sim = simulator(client, clock=FakeClock(t0))
    to_progress = step_delay(sim, "productOrder", "acknowledged")
    to_end = step_delay(sim, "productOrder", "inProgress")

    # Rows present when the simulator starts are timed from its first pass.
    assert sim.tick(t0) == 0
    assert sim.tick(t0 + to_progress - EPSILON) == 0
    assert order_state(client, order) == "acknowledged"
    assert sim.tick(t0 + to_progress) == 1
    assert order_state(client, order) == "inProgress"

    t1 = t0 + to_progress
    assert sim.tick(t1 + to_end - EPSILON) == 0
    assert order_state(client, order) == "inProgress"
    assert sim.tick(t1 + to_end) == 1
    done = get(client, f"{ORDERS_V4 if created_through == 'v4' else ORDERS}/productOrder/{order['id']}")
    assert done["state"] == "completed" and done["completionDate"]
    assert {item["state"] for item in done["productOrderItem"]} == {"completed"}
    assert sim.tick(t1 + to_end + dt.timedelta(hours=1)) == 0  # final: nothing more to do

    rates = client.get(f"{BILLS}/appliedCustomerBillingRate", params={"billingAccount.id": account}).json()
    assert len(rates) == 1
    assert rates[0]["taxIncludedAmount"] == {"unit": "CNY", "value": 169.0}


def test_an_order_seen_later_is_timed_from_when_it_was_seen(client: CheckedClient) -> None:
    t0 = utcnow()
    sim = simulator(client)
    to_progress = step_delay(sim, "productOrder", "acknowledged")
    assert sim.tick(t0) == 0
    order = new_order(client, "晚到的订单")
    t1 = t0 + to_progress  # due for a row seen at t0, not for this one
    assert sim.tick(t1) == 0
    assert sim.tick(t1 + to_progress - EPSILON) == 0
    assert sim.tick(t1 + to_progress) == 1
    assert order_state(client, order) == "inProgress"


@pytest.mark.parametrize(
    ("description", "outcome"),
    [
        ("simulate-fail: 号码资源不足", "failed"),
        ("模拟部分开通", "partial"),
        ("simulate partial", "partial"),
        ("普通开户", "completed"),
    ],
)
def test_configured_cases_choose_the_outcome(client: CheckedClient, description: str, outcome: str) -> None:
    order = new_order(client, description)
    t0 = utcnow()
    sim = simulator(client)
    run_to_end = step_delay(sim, "productOrder", "acknowledged") + step_delay(
        sim, "productOrder", "inProgress"
    )
    sim.tick(t0)
    sim.tick(t0 + step_delay(sim, "productOrder", "acknowledged"))
    assert sim.tick(t0 + run_to_end) == 1
    assert order_state(client, order) == outcome


def test_a_case_chosen_by_item_offering(client: CheckedClient) -> None:
    body = order_v5("合约购机")
    body["productOrderItem"][0]["productOffering"]["id"] = "PO-HANDSET-INSTALMENT-24"
    order = client.post(f"{ORDERS}/productOrder", json=body).json()
    t0 = utcnow()
    sim = simulator(client)
    sim.tick(t0)
    sim.tick(t0 + dt.timedelta(hours=1))
    sim.tick(t0 + dt.timedelta(hours=2))
    assert order_state(client, order) == "failed"


def test_orders_a_client_moved_are_left_alone(client: CheckedClient) -> None:
    cancelled = new_order(client, "客户取消")
    held = new_order(client, "客户挂起")
    t0 = utcnow()
    sim = simulator(client)
    assert sim.tick(t0) == 0  # both seen acknowledged and scheduled
    cancel = client.post(
        f"{ORDERS}/cancelProductOrder",
        json={
            "@type": "CancelProductOrder",
            "productOrder": {"@type": "ProductOrderRef", "id": cancelled["id"]},
            "cancellationReason": "客户申请取消",
        },
    )
    assert cancel.status_code == 201 and cancel.json()["state"] == "done", cancel.text
    patched = client.patch(
        f"{ORDERS}/productOrder/{held['id']}", content=json.dumps({"state": "held"}), headers=MERGE
    )
    assert patched.status_code == 200, patched.text
    for hours in (1, 2, 3):
        assert sim.tick(t0 + dt.timedelta(hours=hours)) == 0
    assert order_state(client, cancelled) == "cancelled"
    assert order_state(client, held) == "held"


def test_a_row_another_worker_moved_is_skipped(client: CheckedClient) -> None:
    order = new_order(client, "两个进程")
    t0 = utcnow()
    first, second = simulator(client), simulator(client)
    first.tick(t0)
    second.tick(t0)
    due = t0 + step_delay(first, "productOrder", "acknowledged")
    assert first.tick(due) == 1
    assert second.tick(due) == 0  # it still believed the order acknowledged
    assert order_state(client, order) == "inProgress"


def test_ticket_is_worked_on_and_resolved(client: CheckedClient) -> None:
    created = client.post(f"{TICKETS}/troubleTicket", json=ticket_v5("光猫LOS红灯"))
    assert created.status_code == 201, created.text
    ticket = created.json()
    url = f"{TICKETS}/troubleTicket/{ticket['id']}"
    sim = simulator(client)
    to_progress = step_delay(sim, "troubleTicket", "acknowledged")
    to_resolved = step_delay(sim, "troubleTicket", "inProgress")

    # Tickets are timed from statusChangeDate, which the server keeps.
    entered = dt.datetime.fromisoformat(ticket["statusChangeDate"])
    assert sim.tick(entered + to_progress - EPSILON) == 0
    assert get(client, url)["status"] == "acknowledged"
    assert sim.tick(entered + to_progress) == 1
    working = get(client, url)
    assert working["status"] == "inProgress" and "resolutionDate" not in working

    entered = dt.datetime.fromisoformat(working["statusChangeDate"])
    assert sim.tick(entered + to_resolved - EPSILON) == 0
    assert sim.tick(entered + to_resolved) == 1
    resolved = get(client, url)
    assert resolved["status"] == "resolved" and resolved["resolutionDate"]
    history = [change["status"] for change in resolved["statusChangeHistory"]]
    assert history == ["acknowledged", "inProgress", "resolved"]
    assert sim.tick(entered + dt.timedelta(days=30)) == 0  # closing is the customer's call


RULES = """
tick: 0.05
resources:
  productOrder:
    steps:
      - {from: acknowledged, after: PT0S, to: inProgress}
      - from: inProgress
        after: 0.1
        cases:
          - {name: bulk orders fail, when: {category: [政企客户]}, to: failed}
          - {name: default, to: completed}
"""


def write_rules(tmp_path: Path, text: str = RULES) -> Path:
    path = tmp_path / "fulfilment.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_from_a_custom_file_are_honoured(client: CheckedClient, tmp_path: Path) -> None:
    ordinary = new_order(client, "普通")
    body = order_v5("政企专线")
    body["category"] = "政企客户"
    bulk = client.post(f"{ORDERS}/productOrder", json=body).json()
    ticket = client.post(f"{TICKETS}/troubleTicket", json=ticket_v5("不在规则里")).json()
    sim = simulator(client, rules_path=write_rules(tmp_path))
    assert sim.tick_seconds == pytest.approx(0.05)
    t0 = utcnow()
    assert sim.tick(t0) == 2  # PT0S: due as soon as seen
    assert sim.tick(t0 + dt.timedelta(milliseconds=50)) == 0
    assert sim.tick(t0 + dt.timedelta(milliseconds=100)) == 2
    assert order_state(client, ordinary) == "completed"
    assert order_state(client, bulk) == "failed"
    # Tickets are not in this file: the simulator leaves them alone.
    assert sim.tick(t0 + dt.timedelta(days=1)) == 0
    assert get(client, f"{TICKETS}/troubleTicket/{ticket['id']}")["status"] == "acknowledged"


def test_a_step_the_lifecycle_refuses_stops_start_up(client: CheckedClient, tmp_path: Path) -> None:
    bad = (
        "resources:\n  productOrder:\n    steps:\n      - {from: acknowledged, after: PT1S, to: completed}\n"
    )
    with pytest.raises(ValueError, match="acknowledged -> completed is not a transition"):
        simulator(client, rules_path=write_rules(tmp_path, bad))


def test_rule_file_format_errors_name_the_place(tmp_path: Path) -> None:
    twice = (
        "resources:\n  productOrder:\n    steps:\n"
        + "      - {from: held, after: PT1S, to: inProgress}\n" * 2
    )
    with pytest.raises(ValueError, match="second step from 'held'"):
        load_rules(write_rules(tmp_path, twice))
    with pytest.raises(ValueError, match="not a duration"):
        parse_delay("5 seconds", "x")
    assert parse_delay("PT1M30.5S", "x") == dt.timedelta(seconds=90.5)
    assert parse_delay(2, "x") == dt.timedelta(seconds=2)
    shipped = load_rules()
    assert set(shipped.resources) == {"productOrder", "troubleTicket"}


def test_shipped_status_change_reasons_are_whole() -> None:
    """Each reason the shipped rules write is the whole sentence (a comma once cut them short)."""
    reasons = [
        case.set["statusChangeReason"]
        for step in load_rules().resources["troubleTicket"].steps.values()
        for case in step.cases
        if "statusChangeReason" in case.set
    ]
    assert reasons == [
        "已派单，装维人员处理中 (dispatched to the field crew)",
        "故障已修复，待客户确认 (fixed, awaiting the customer's confirmation)",
    ]


def test_run_moves_orders_in_the_background_and_stops(client: CheckedClient, tmp_path: Path) -> None:
    order = new_order(client, "后台运行")
    sim = simulator(client, rules_path=write_rules(tmp_path))

    async def scenario() -> str:
        stop = asyncio.Event()
        task = asyncio.create_task(sim.run(stop))
        deadline = time.monotonic() + 15
        state = "acknowledged"
        while state != "completed" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            # The client is synchronous: keep it off the event loop the simulator runs on.
            state = await asyncio.to_thread(order_state, client, order)
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        return state

    assert asyncio.run(scenario()) == "completed"


REFUSED_RULES = """
tick: 0.05
resources:
  productOrder:
    steps:
      # `priority` is a string: every PATCH this step makes is a 400.
      - {from: acknowledged, after: PT0S, to: inProgress, set: {priority: 7}}
"""


def test_a_refused_move_backs_off_then_is_given_up_and_recorded(
    client: CheckedClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    order = new_order(client, "规则写了非法值")
    sim = simulator(client, rules_path=write_rules(tmp_path, REFUSED_RULES))
    key = ("productOrder", order["id"])
    t0 = utcnow()
    with caplog.at_level("WARNING", logger="tmf.simulator"):
        assert sim.tick(t0) == 0
        assert sim.stuck()[key].attempts == 1 and "400" in sim.stuck()[key].reason
        # Not again before the backoff has run out, however many ticks pass.
        for n in range(20):
            sim.tick(t0 + n * dt.timedelta(milliseconds=50))
        assert sim.stuck()[key].attempts == 1
        later = t0
        for _ in range(10 * sim.max_attempts):
            later += dt.timedelta(hours=1)
            sim.tick(later)
    stuck = sim.stuck()[key]
    assert stuck.attempts == sim.max_attempts and stuck.retry_at is None and stuck.state == "acknowledged"
    warnings = [r for r in caplog.records if order["id"] in r.getMessage()]
    assert len(warnings) == 2, [r.getMessage() for r in warnings]  # the first failure, then giving up
    assert client.get(f"{ORDERS}/productOrder/{order['id']}").json()["state"] == "acknowledged"

    # Once a client moves the order, what was recorded about the old state is forgotten.
    moved = client.patch(f"{ORDERS}/productOrder/{order['id']}", json={"state": "held"}, headers=MERGE)
    assert moved.status_code == 200, moved.text
    sim.tick(later + dt.timedelta(hours=1))
    assert key not in sim.stuck()


def test_every_status_change_reason_in_the_fulfilment_policy_is_quoted_and_whole() -> None:
    # An unquoted comma once cut a reason short: each one is a quoted string, read whole.
    path = data_dir("mappings") / "fulfilment.yaml"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    reasons = [line.partition(":")[2].strip() for line in lines if line.startswith("statusChangeReason:")]
    assert reasons
    loaded = _values(yaml.safe_load(path.read_text(encoding="utf-8")), "statusChangeReason")
    for raw in reasons:
        assert raw[0] == raw[-1] == '"', raw
    assert sorted(loaded) == sorted(raw[1:-1] for raw in reasons)


def _values(node: Any, key: str) -> list[Any]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == key] + [x for v in node.values() for x in _values(v, key)]
    if isinstance(node, list):
        return [x for item in node for x in _values(item, key)]
    return []
