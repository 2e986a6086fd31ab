"""How User events shape user documents, and the orders that show the user's name and email."""

from __future__ import annotations

from read.event_envelope import EventMessage
from read.projection.order_documents import ORDER
from read.projection.projection_kinds import ProjectionKind
from read.projection.projection_values import ms
from read.projection.user_documents import USER, USER_SPEC
from read.projection.workspace import Draft, Workspace


async def user_registered(e: EventMessage, ws: Workspace) -> None:
    user = await ws.draft(USER, e.aggregate_id)
    if not user.accepts(e):
        return
    name, email = str(e.payload["name"]), str(e.payload["email"])
    user.create({
        "id": e.aggregate_id,
        "version": e.aggregate_version,
        "name": name,
        "name_key": name.lower(),
        "email": email,
        "email_key": email.lower(),
        "status": "active",
        "registered_at": e.occurred_at.isoformat(),
        "registered_ms": ms(e),
        "order_count": 0,
        "spent_cents": 0,
        "total_spent": "0.00",
        "order_ids": [],
    })
    user.applied(e)


async def user_email_changed(e: EventMessage, ws: Workspace) -> None:
    email = str(e.payload["email"])
    await _change(e, ws, {"email": email, "email_key": email.lower()})


async def user_renamed(e: EventMessage, ws: Workspace) -> None:
    name = str(e.payload["name"])
    await _change(e, ws, {"name": name, "name_key": name.lower()})


async def user_deactivated(e: EventMessage, ws: Workspace) -> None:
    await _change(e, ws, {"status": "deactivated"})


async def _change(e: EventMessage, ws: Workspace, fields: dict[str, object]) -> None:
    user = await ws.draft(USER, e.aggregate_id)
    body = user.require(e.aggregate_type, e.aggregate_id)
    if user.accepts(e):
        body.update(fields, version=e.aggregate_version)
        user.applied(e)
    # Even when this event was applied before: an order linked since may still show old details.
    order_ids = list(body["order_ids"])
    await ws.prefetch((ORDER, order_id) for order_id in order_ids)
    for order_id in order_ids:
        sync_customer(await ws.draft(ORDER, order_id), user)


def sync_customer(order: Draft, user: Draft) -> None:
    """Give the order its customer's current name and email, if the user document is newer than
    what the order shows. Whichever of the two is projected first, they end up agreeing."""
    if order.body is None or user.body is None:
        return
    source = f"User/{user.id}"
    if user.body["version"] > order.seen(source):
        order.body.update(customer_name=user.body["name"], customer_email=user.body["email"])
        order.body["sources"][source] = user.body["version"]
        order.changed = True


PROJECTION = ProjectionKind(
    "User",
    USER,
    specs=(USER_SPEC,),
    projections={
        "UserRegistered": user_registered,
        "UserEmailChanged": user_email_changed,
        "UserRenamed": user_renamed,
        "UserDeactivated": user_deactivated,
    },
)
