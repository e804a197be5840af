"""The body of every webhook delivery: a CloudEvents 1.0 event in structured JSON mode.

Structured mode keeps the event's attributes in the body beside its data, so the signature
covers them all and a receiver can route the event with any CloudEvents SDK. The models here are
also the payloads that OpenAPI documents under `webhooks`, hence the descriptions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from models.notices import Awaitee, EventType, Notice

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class EventLinks(BaseModel):
    """Where to see the case."""

    api: str = Field(description="The case in the API (`GET` it with your key).")
    konsol: str = Field(description="The case in the console, for people.")


class EventData(BaseModel):
    """What happened to the case, whom it waits for and by when."""

    type: EventType = Field(description="The same as the event's `type`.")
    case_id: str = Field(description="The case number (`PKD-2026-000001`).")
    case_title: str = Field(description="The case's title.")
    case_type: str = Field(description="The kind of dispute, as in the pedoman.")
    at: AwareDatetime = Field(description="When it happened (the case's time).")
    seq: int = Field(description="The entry in the case's timeline that caused the event.")
    stage: str = Field(description="The stage the case is in.")
    stage_title: str = Field(description="The stage's name, in Bahasa Indonesia.")
    message: str = Field(description="One line in English saying what happened.")
    awaiting: list[Awaitee] = Field(description="Who must act now, with what, and by when.")
    due_at: AwareDatetime | None = Field(description="When the stage (or thread) is due.")
    thread: int | None = Field(description="The legal-opinion thread it concerns, if any.")
    action: str | None = Field(description="The action that caused it, if any.")
    documents: list[str] = Field(description="SHA-256 of each document concerned.")
    closing_state: str | None = Field(description="How the case ended, once it is closed.")
    percent: int | None = Field(description="A reminder's share of the time limit used.")
    links: EventLinks = Field(description="Where to see the case.")


class CloudEvent(BaseModel):
    """One notice to one subscription, as a CloudEvents 1.0 event."""

    specversion: Literal["1.0"] = Field(description="The CloudEvents version.")
    id: str = Field(
        description="The delivery's stable id (`msg_…`), the same on every attempt and equal "
        "to `webhook-id`: drop an event whose id you have already processed."
    )
    source: str = Field(description="This API's cases (`{base_url}/v1/cases`).")
    type: str = Field(description="What happened, e.g. `mufakat.case.stage_changed`.")
    subject: str = Field(description="The case number.")
    time: AwareDatetime = Field(description="When it happened.")
    datacontenttype: Literal["application/json"] = Field(description="`data` is JSON.")
    data: EventData


def cloud_event(notice: Notice, delivery_id: str, base_url: str) -> CloudEvent:
    """The event one delivery of `notice` sends; `base_url` has no trailing slash."""
    links = EventLinks(
        api=f"{base_url}/v1/cases/{notice.case_id}",
        konsol=f"{base_url}/konsol/perkara/{notice.case_id}",
    )
    return CloudEvent(
        specversion="1.0",
        id=delivery_id,
        source=f"{base_url}/v1/cases",
        type=notice.type.value,
        subject=notice.case_id,
        time=notice.at,
        datacontenttype="application/json",
        data=EventData.model_validate({**notice.model_dump(exclude={"notice_id"}), "links": links}),
    )


def event_body(event: CloudEvent) -> bytes:
    """The event as compact UTF-8 JSON: the exact bytes signed and sent."""
    return event.model_dump_json().encode("utf-8")
