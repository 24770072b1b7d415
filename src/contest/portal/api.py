"""The portal API: provinces that keep their own registration site push entries here, and check
that both sides hold the same (docs/portal.md).

Every endpoint takes a portal client's credential (``portal.api_auth``) and acts on that client's
event only; an entry of any other event does not exist to it (404).

* ``POST /portal/entries`` — push items of both groups with their files, under an
  ``Idempotency-Key``. The body is either ``application/json`` (the document, no files) or
  ``multipart/form-data``: the part ``payload`` holds the JSON document, every other part is a
  file that items name (``business_plan``, ``images``). The declared size of the whole request is
  refused before anything is read (400); a file over its own limit is a problem of its item.
* ``GET /portal/entries`` — what the platform holds for the event, a page at a time.
* ``GET /portal/entries/{number}`` — one of them.
* ``GET /portal/summary`` — counts and one hash over the whole list.
"""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ValidationError as PydanticValidationError

from contest.core.api import ErrorOut, FieldErrorsOut, Invalid, ValidationErrorOut, integer
from contest.core.errors import FieldErrors, NotFound
from contest.portal import reconciliation, services
from contest.portal.api_auth import current_client, portal_auth
from contest.portal.schemas import (
    KEY_PATTERN,
    HoldingOut,
    HoldingPageOut,
    PushIn,
    PushOut,
    SummaryOut,
)

router = Router(tags=["portal"], auth=portal_auth)

UNAUTHENTICATED = {401: ErrorOut}
READ = {**UNAUTHENTICATED, 404: ErrorOut, 422: Invalid}
#: a push may also meet an unreadable body (400), a creator who no longer manages the event (403),
#: a reused key or a full quota (409); its 422 is the item report, or a refusal of the request's shape
PUSH_ANSWERS = {200: PushOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                422: PushOut | FieldErrorsOut | ValidationErrorOut}  # fmt: skip
PAYLOAD_PART = "payload"
IDEMPOTENCY_KEY = Header(
    ..., alias="Idempotency-Key", pattern=KEY_PATTERN,
    description="本次推送的幂等键（可打印 ASCII，1–100 个字符），每次新的推送用一个新的键，如 UUID",
)  # fmt: skip
NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,30}$"
CURSOR_PATTERN = r"^[0-9]{1,19}$"
JSON_TYPES = ("application/json",)
MULTIPART = "multipart/form-data"


# -- the push's request body (read by hand: JSON or multipart, documented below) ----------------------


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` put in place: the OpenAPI document then carries it
    whole, without component names of its own (the models are not a ninja body parameter)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]))
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


PUSH_SCHEMA = _inline(PushIn.model_json_schema())
PUSH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": PUSH_SCHEMA},
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "required": [PAYLOAD_PART],
                    "properties": {
                        PAYLOAD_PART: {
                            "type": "string",
                            "description": "推送的 JSON 文档（与 application/json 时的请求体相同）",
                        }
                    },
                    "additionalProperties": {
                        "type": "string",
                        "format": "binary",
                        "description": "文件：部分名称即项目中 business_plan / images 引用的名称",
                    },
                },
                "encoding": {PAYLOAD_PART: {"contentType": "application/json"}},
            },
        },
    }
}


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _unreadable(detail: str) -> Status:
    return Status(400, {"detail": detail, "code": "bad_request", "field": None})


def _parse_json(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal, parse_constant=_not_json)


def _file_sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _reader(upload):
    def read() -> bytes:
        upload.seek(0)
        return upload.read()

    return read


def _push_files(request: HttpRequest) -> dict[str, services.PushFile]:
    files: dict[str, services.PushFile] = {}
    problems: dict[str, str] = {}
    for part in request.FILES:
        uploads = request.FILES.getlist(part)
        if len(uploads) != 1:
            problems[part] = f"文件部分“{part}”出现了 {len(uploads)} 次；每个名称只能用一次。"
            continue
        upload = uploads[0]
        files[part] = services.PushFile(
            part=part,
            name=upload.name or part,
            size=upload.size,
            sha256=_file_sha256(upload),
            read=_reader(upload),
        )
    extra = sorted(set(request.POST) - {PAYLOAD_PART})
    for name in extra:
        problems[name] = f"未知的表单字段“{name}”：除 {PAYLOAD_PART} 外，其余部分都应是文件。"
    if problems:
        raise FieldErrors(problems)
    return files


def _shape_errors(exc: PydanticValidationError) -> ValidationError:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return ValidationError([{**e, "loc": ["body", PAYLOAD_PART, *e["loc"]]} for e in errors])


def _referenced(payload: PushIn) -> set[str]:
    names = set()
    for item in payload.items:
        if item.business_plan:
            names.add(item.business_plan)
        names.update(item.images)
    return names


class HoldingsQuery(Schema):
    after: str | None = Field(None, pattern=CURSOR_PATTERN, description="上一页答复中的 next；第一页不填")
    limit: integer(ge=1, le=reconciliation.MAX_PAGE, description="每页条数，默认 100，最多 500") = (
        reconciliation.DEFAULT_PAGE
    )


# -- endpoints -------------------------------------------------------------------------------------------


@router.post(
    "/portal/entries",
    response=PUSH_ANSWERS,
    summary="推送项目（两个组别，含文件），带幂等键",
    description=(
        "请求体：`application/json`（推送文档，无文件），或 `multipart/form-data`：部分 `payload` 是推送文档，"
        "其余每个部分是一个文件，项目用部分名称引用（`business_plan`、`images`）。一次最多 100 个项目、"
        "20 个文件、请求体 60 MB；超过请分批。\n\n"
        "200：全部写入，报告列出每个项目的结果（created / updated / unchanged）和 content_sha256。"
        "422：有项目不合格，什么也没有写入，报告列出每个项目及其问题（column + message）。"
        "两者都按幂等键保存：同一幂等键、同一请求再次发送，原样返回保存的答复（响应头 "
        "`Idempotent-Replayed: true`），不再写入；同一幂等键、不同请求答 409。"
        "推荐名额不足答 409，不保存，可修改后用同一幂等键重发。"
    ),
    openapi_extra=PUSH_BODY,
)
def push_entries(
    request: HttpRequest,
    response: HttpResponse,
    idempotency_key: str = IDEMPOTENCY_KEY,
):
    client = current_client(request)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _unreadable("Content-Length 不是数字。")
    limit = settings.PORTAL_MAX_REQUEST_BYTES
    if declared > limit:
        mb = limit // (1024 * 1024)
        return Status(400, {"detail": f"请求体过大（{declared} 字节，上限 {mb} MB）；请分批推送。",
                            "code": "too_large", "field": None})  # fmt: skip
    content_type = (request.content_type or "").lower()
    if content_type in JSON_TYPES:
        try:
            document = _parse_json(request.body)
        except (ValueError, RecursionError):
            return _unreadable("请求体无法解析，应为 JSON。")
        files: dict[str, services.PushFile] = {}
    elif content_type == MULTIPART:
        text = request.POST.get(PAYLOAD_PART)
        if text is None:
            raise FieldErrors({PAYLOAD_PART: f"缺少部分“{PAYLOAD_PART}”（推送的 JSON 文档）。"})
        try:
            document = _parse_json(text)
        except (ValueError, RecursionError):
            return _unreadable(f"部分“{PAYLOAD_PART}”无法解析，应为 JSON。")
        files = _push_files(request)
    else:
        return _unreadable("请求体应为 application/json 或 multipart/form-data。")
    try:
        payload = PushIn.model_validate(document)
    except PydanticValidationError as exc:
        raise _shape_errors(exc) from None
    unused = sorted(set(files) - _referenced(payload))
    if unused:
        raise FieldErrors({name: f"文件部分“{name}”没有被任何项目引用。" for name in unused})
    answer = services.push_entries(
        client=client,
        key=idempotency_key,
        body_sha256=services.body_sha256(document, files),
        items=[item.model_dump() for item in payload.items],
        files=files,
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


@router.get(
    "/portal/entries",
    response={200: HoldingPageOut, **READ},
    summary="对账：平台保存的本赛事项目（分页）",
    description="按平台内部顺序分页；`next` 是下一页的游标，作为 `after` 传入；新增的项目排在后面，不会打乱已取的页。",
)
def list_entries(request: HttpRequest, page: Query[HoldingsQuery]):
    client = current_client(request)
    after = int(page.after) if page.after else None
    rows, cursor = reconciliation.holdings_page(client.event, after=after, limit=page.limit)
    return {"items": rows, "next": cursor}


@router.get("/portal/entries/{number}", response={200: HoldingOut, **READ}, summary="对账：一个项目")
def get_entry(
    request: HttpRequest, number: str = Path(..., pattern=NUMBER_PATTERN, description="平台报名编号")
):
    client = current_client(request)
    entry = reconciliation.held_entries(client.event).filter(number=number).first()
    if entry is None:
        raise NotFound("本赛事没有这个报名编号。", field="number", code="entry_not_found")
    return reconciliation.holding(entry)


@router.get("/portal/summary", response={200: SummaryOut, **UNAUTHENTICATED}, summary="对账：统计与整体哈希")
def get_summary(request: HttpRequest):
    return reconciliation.summary(current_client(request).event)
