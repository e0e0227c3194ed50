"""Child tables made by sid_model.common.Child: named after their owner, keyed to it, cascaded."""

from __future__ import annotations

import pytest
from sqlalchemy import ForeignKeyConstraint
from sqlalchemy import inspect as sa_inspect

from sid_model import Base, ProductOrder, ProductOrderChannel, ProductOrderNote, TroubleTicketStatusChange
from sid_model.common import Child, Note


@pytest.mark.parametrize(
    ("child", "table", "key", "owner"),
    [
        (ProductOrderNote, "product_order_note", "order_pk", "product_order"),
        (ProductOrderChannel, "product_order_channel", "order_pk", "product_order"),
        (TroubleTicketStatusChange, "trouble_ticket_status_change", "ticket_pk", "trouble_ticket"),
    ],
)
def test_a_child_table_is_keyed_to_its_owner(child: type[Base], table: str, key: str, owner: str) -> None:
    mapped = Base.metadata.tables[table]
    assert sa_inspect(child).local_table is mapped
    column = mapped.c[key]
    assert not column.nullable
    assert column.index
    (fk,) = (c for c in mapped.constraints if isinstance(c, ForeignKeyConstraint))
    assert [c.name for c in fk.columns] == [key]
    assert fk.ondelete == "CASCADE"
    assert fk.elements[0].target_fullname == f"{owner}.pk"


def test_the_kinds_themselves_are_not_tables() -> None:
    assert not hasattr(Child, "__table__")
    assert not hasattr(Note, "__table__")


def test_a_child_without_a_key_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a key"):

        class Unkeyed(Note, owner=ProductOrder):  # never mapped: refused before the declarative scan
            pass
