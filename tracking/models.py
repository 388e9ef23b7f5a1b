"""The data model (SQLAlchemy 2.0 typed style). Every change goes through an Alembic migration.

Personal data of applicants lives in its own table so that it can be masked for the public and
erased on request without touching the dossier's history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracking.db import Base, UTCDateTime

ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only


class Center(Base):
    __tablename__ = "center"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(500))
    commune_name: Mapped[str] = mapped_column(String(120))
    province_name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    session_hours: Mapped[str] = mapped_column(String(32), default="07:30-11:30,13:30-17:00")


class Department(Base):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))


class Procedure(Base):
    __tablename__ = "procedure"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # Processing time in half-days (2 × days): exact on every database, no decimals.
    processing_half_days: Mapped[int] = mapped_column(Integer)
    postal_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[Department | None] = relationship()

    __table_args__ = (CheckConstraint("processing_half_days >= 0", name="half_days_nonneg"),)


class Courier(Base):
    __tablename__ = "courier"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    adapter: Mapped[str] = mapped_column(String(32), default="generic")
    public_postal: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    secrets: Mapped[list[CourierSecret]] = relationship(
        back_populates="courier", order_by="CourierSecret.id"
    )
    ranges: Mapped[list[SerialRange]] = relationship(order_by="SerialRange.id")


class CourierSecret(Base):
    """A webhook signing secret. On rotation the old one gets ``expires_at`` (24 h overlap)."""

    __tablename__ = "courier_secret"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id", ondelete="CASCADE"))
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    courier: Mapped[Courier] = relationship(back_populates="secrets")


class SerialRange(Base):
    """S10 serials that a courier allocated to the center for one service indicator.

    ``next_serial`` is handed out by one atomic UPDATE … RETURNING, so two processes can never
    take the same serial.
    """

    __tablename__ = "serial_range"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(2))
    country: Mapped[str] = mapped_column(String(2), default="VN")
    first_serial: Mapped[int] = mapped_column(Integer)
    last_serial: Mapped[int] = mapped_column(Integer)
    next_serial: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("first_serial <= last_serial", name="range_order"),
        CheckConstraint("first_serial >= 0 AND last_serial <= 99999999", name="range_bounds"),
    )


class Counter(Base):
    """Named counters (e.g. the dossier sequence of a day), advanced atomically."""

    __tablename__ = "counter"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Applicant(Base):
    __tablename__ = "applicant"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(500))
    id_number: Mapped[str | None] = mapped_column(String(32))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Dossier(Base):
    __tablename__ = "dossier"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    processing_half_days: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="registered")
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"))
    courier_id: Mapped[int | None] = mapped_column(ForeignKey("courier.id"))
    commune_code: Mapped[str | None] = mapped_column(String(16), index=True)
    commune_name: Mapped[str | None] = mapped_column(String(120))
    commune_lat: Mapped[float | None] = mapped_column(Float)
    commune_lon: Mapped[float | None] = mapped_column(Float)
    distance_km: Mapped[float | None] = mapped_column(Float)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    procedure: Mapped[Procedure | None] = relationship()
    applicant: Mapped[Applicant] = relationship()
    courier: Mapped[Courier | None] = relationship()
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="dossier", order_by="Shipment.id"
    )

    __table_args__ = (
        CheckConstraint(
            "service IN ('send_dossier', 'receive_result', 'both')", name="service_known"
        ),
        Index("ix_dossier_status_due_at", "status", "due_at"),
    )


class Shipment(Base):
    __tablename__ = "shipment"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(13), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id"))
    status: Mapped[str] = mapped_column(String(32), default="label_created")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship(back_populates="shipments")
    courier: Mapped[Courier] = relationship()
    checkpoints: Mapped[list[Checkpoint]] = relationship(
        back_populates="shipment", order_by="(Checkpoint.occurred_at, Checkpoint.id)"
    )

    __table_args__ = (
        UniqueConstraint("dossier_id", "direction"),
        CheckConstraint("direction IN ('inbound', 'outbound')", name="direction_known"),
        Index("ix_shipment_status_courier", "status", "courier_id"),
    )


class Checkpoint(Base):
    __tablename__ = "checkpoint"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    # Looked up by the unique key below, which starts with shipment_id: no index of its own.
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # scan | webhook | handover | command
    actor: Mapped[str | None] = mapped_column(String(120))
    location_name: Mapped[str | None] = mapped_column(String(255))
    location_code: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(1000))
    raw_code: Mapped[str | None] = mapped_column(String(64))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(255))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_receipt.id"))

    shipment: Mapped[Shipment] = relationship(back_populates="checkpoints")

    __table_args__ = (
        # One real-world event is stored once, whichever source reports it first.
        UniqueConstraint("shipment_id", "event", "occurred_at"),
        Index("ix_checkpoint_event_occurred_at", "event", "occurred_at"),
        # The review list: the few flagged rows only (a whole-table boolean index cost every
        # insert and misled SQLite's planner).
        Index(
            "ix_checkpoint_review",
            "id",
            postgresql_where=text("flagged"),
            sqlite_where=text("flagged"),
        ),
    )


class PendingCheckpoint(Base):
    """A courier's checkpoint for an item not registered yet: held, then applied in order."""

    __tablename__ = "pending_checkpoint"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(32), index=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_receipt.id"))
    event: Mapped[str | None] = mapped_column(String(32))
    raw_code: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(1000))
    flags: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Handover(Base):
    __tablename__ = "handover"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id"))
    center_id: Mapped[int] = mapped_column(ForeignKey("center.id"))
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by: Mapped[str | None] = mapped_column(String(200))

    courier: Mapped[Courier] = relationship()
    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="handover", order_by="HandoverItem.id"
    )

    __table_args__ = (CheckConstraint("kind IN ('to_center', 'to_courier')", name="kind_known"),)


class HandoverItem(Base):
    __tablename__ = "handover_item"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(13))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"))
    state: Mapped[str] = mapped_column(String(16), default="expected")

    handover: Mapped[Handover] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("handover_id", "item_id"),)


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("role IN ('admin', 'center', 'postal')", name="role_known"),)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is kept."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("role IN ('admin', 'center', 'postal')", name="role_known"),)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    # Read by entity; in time order by id (written as things happen): no index on ``at``.
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class WebhookReceipt(Base):
    """A raw inbound webhook, stored before it is answered."""

    __tablename__ = "webhook_receipt"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id"))
    webhook_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="received")
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("courier_id", "webhook_id"),)


class OutboxEvent(Base):
    """An outbound event written in the same transaction as the change it reports."""

    __tablename__ = "outbox_event"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the dispatcher made the event's deliveries (one per matching subscription).
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Every checkpoint writes events: only the ones not fanned out yet are indexed, in order.
    __table_args__ = (
        Index(
            "ix_outbox_event_unfanned",
            "id",
            postgresql_where=text("fanned_out_at IS NULL"),
            sqlite_where=text("fanned_out_at IS NULL"),
        ),
    )


class Subscription(Base):
    """A receiver of outbound events (the provincial information system, others)."""

    __tablename__ = "subscription"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)  # ["*"] for all
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One outbox event for one subscription; retried until it succeeds or is parked."""

    __tablename__ = "delivery"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id"))
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    webhook_id: Mapped[str] = mapped_column(String(64))  # stable across retries
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    # A worker's claim is a lease: next_attempt_at is pushed to the lease's end and ``claims``
    # counts up (a fencing token: only the current claim may write the result). A claim that
    # still has ``claimed_by`` when it is taken again belonged to a worker that died mid-send.
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        CheckConstraint(
            "state IN ('pending', 'succeeded', 'dead', 'cancelled')", name="state_known"
        ),
        Index("ix_delivery_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_delivery_order", "subscription_id", "dossier_code", "id"),
        # Parked deliveries of a subscription (listing, counting, replay); partial: the rest of
        # the table is no candidate for the dispatcher's lookups.
        Index(
            "ix_delivery_dead",
            "subscription_id",
            "id",
            postgresql_where=text("state = 'dead'"),
            sqlite_where=text("state = 'dead'"),
        ),
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempt"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(1000))
    worker: Mapped[str | None] = mapped_column(String(120))


class TransitTableRecord(Base):
    """A courier's service-level table (courier.transit's JSON form), editable by an admin."""

    __tablename__ = "transit_table"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id", ondelete="CASCADE"))
    service_level: Mapped[str] = mapped_column(String(32), default="standard")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("courier_id", "service_level"),)


class LaneObservation(Base):
    """One completed postal leg (pickup → received by the center, handed to the courier →
    delivered), written when the leg's last checkpoint arrives; learned lane times read these
    through the indexes below."""

    __tablename__ = "lane_observation"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipment.id", ondelete="CASCADE"), unique=True
    )
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id"))
    service_level: Mapped[str] = mapped_column(String(32), default="standard")
    direction: Mapped[str] = mapped_column(String(8))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    zone: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    post_days: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_lane_commune", "courier_id", "direction", "commune_code", "ended_at"),
        Index("ix_lane_zone", "courier_id", "direction", "zone", "ended_at"),
    )


class CalendarOverride(Base):
    """The editable copy of the calendar's override table (seeded from tracking.workdays)."""

    __tablename__ = "calendar_override"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(255))
