"""The JSON API at /api/v1/: routers per domain app, OpenAPI 3.1, docs UI served locally.

Statuses of a refusal: 422 for every input that was read but cannot be accepted (ninja's shape
errors and the services' field errors alike, ``core.api.Invalid``); 400 only for a request that
cannot be read (not JSON, a multipart body without a boundary, a body over the size limit); 401,
403, 404 and 409 as the services decide. Every one is JSON, with DEBUG on or off.
"""

import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as ShapeError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from contest.accounts.api import router as tokens_router
from contest.catalog.api import router as catalog_router
from contest.core.api import as_field_errors, shape_errors
from contest.core.errors import ContestError, ValidationFailed
from contest.finals.api import router as finals_router
from contest.portal.api import router as portal_router
from contest.registration.api import router as registration_router
from contest.review.api import router as review_router


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese text as text, not \\uXXXX escapes."""

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


class ExactJSONParser(Parser):
    """JSON as written: a decimal stays a ``Decimal`` (``88.05`` is not read through a float), and
    ``NaN``/``Infinity``, which are not JSON, make the body unreadable (400)."""

    def parse_body(self, request):
        return json.loads(request.body, parse_float=Decimal, parse_constant=_not_json)


api = NinjaAPI(
    title="“创客中国”大赛平台 API",
    version="1.0.0",
    description="赛事目录、报名、评审、晋级与公示的接口。所有写操作都是动作端点，与网页走同一套服务。",
    renderer=ChineseJSONRenderer(),
    parser=ExactJSONParser(),
    urls_namespace="api",
    # Swagger UI's assets come from ninja's static files (no CDN); the default validator
    # badge would send the schema URL to validator.swagger.io, so it is switched off.
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(ContestError)
def contest_error(request, exc: ContestError) -> HttpResponse:
    """A service's refusal in the error contract of ``core.api`` (``ErrorOut``/``FieldErrorsOut``).

    A refusal of the input (``ValidationFailed``, and a bare ``ContestError``, which is one too) is
    always a 422 with the field map, never a 400."""
    if isinstance(exc, ValidationFailed) or exc.status_code == 400:
        if not isinstance(exc, ValidationFailed):
            exc = ValidationFailed(exc.message, field=exc.field, code=exc.code)
        fields = as_field_errors(exc)
        body = {"detail": fields.message, "code": fields.code, "field": fields.field, "fields": fields.fields}
        return api.create_response(request, body, status=422)
    body = {"detail": exc.message, "code": exc.code, "field": exc.field}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(ShapeError)
def shape_error(request, exc: ShapeError) -> HttpResponse:
    """A shape error found before the services ran (``ValidationErrorOut``), pydantic's own messages
    put in the request's language (``core.api.shape_errors``)."""
    return api.create_response(request, {"detail": shape_errors(exc.errors)}, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc: AuthenticationError) -> HttpResponse:
    detail = (
        exc.message
        if exc.message != "Unauthorized"
        else "请先登录，或在请求头中提供 API 令牌：Authorization: Bearer <令牌>。"
    )
    return api.create_response(
        request, {"detail": detail, "code": "unauthenticated", "field": None}, status=401
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError) -> HttpResponse:
    """ninja's own refusals (a body that is not JSON) in the same shape as every other error."""
    detail = (
        "请求体无法解析，应为 JSON。" if exc.message.startswith("Cannot parse request body") else exc.message
    )
    return api.create_response(
        request, {"detail": detail, "code": "bad_request", "field": None}, status=exc.status_code
    )


@api.exception_handler(RequestDataTooBig)
def body_too_big(request, exc: RequestDataTooBig) -> HttpResponse:
    """A JSON body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: refused in the error contract, not as Django's
    HTML page (every write documents 400)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return api.create_response(
        request,
        {"detail": f"请求体过大（上限 {limit} MB）。", "code": "too_large", "field": None},
        status=400,
    )


def _unreadable(request, detail: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": "bad_request", "field": None}, status=400)


@api.exception_handler(MultiPartParserError)
def multipart_unreadable(request, exc: MultiPartParserError) -> HttpResponse:
    """A multipart body that cannot be parsed (no boundary, a broken part): a JSON 400, not Django's
    HTML page — nor, with DEBUG on, ninja's 500 with a traceback."""
    return _unreadable(request, "multipart/form-data 请求体无法解析（缺少 boundary 或格式不正确）。")


@api.exception_handler(SuspiciousOperation)
def suspicious(request, exc: SuspiciousOperation) -> HttpResponse:
    """Too many fields or files, a malformed header: Django refuses them as 400s; so does the API."""
    return _unreadable(request, "请求无法处理：格式不正确或字段过多。")


@api.exception_handler(BadRequest)
def bad_request(request, exc: BadRequest) -> HttpResponse:
    return _unreadable(request, "请求无法处理：格式不正确。")


api.add_router("/", catalog_router)
api.add_router("/", registration_router)
api.add_router("/", tokens_router)
api.add_router("/", review_router)
api.add_router("/", finals_router)
api.add_router("/", portal_router)
