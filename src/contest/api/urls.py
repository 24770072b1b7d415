"""The JSON API at /api/v1/: routers per domain app, OpenAPI 3.1, docs UI served locally."""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from contest.accounts.api import router as tokens_router
from contest.catalog.api import router as catalog_router
from contest.core.errors import ContestError, FieldErrors
from contest.finals.api import router as finals_router
from contest.registration.api import router as registration_router
from contest.review.api import router as review_router


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese text as text, not \\uXXXX escapes."""

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


api = NinjaAPI(
    title="“创客中国”大赛平台 API",
    version="1.0.0",
    description="赛事目录、报名、评审、晋级与公示的接口。所有写操作都是动作端点，与网页走同一套服务。",
    renderer=ChineseJSONRenderer(),
    urls_namespace="api",
    # Swagger UI's assets come from ninja's static files (no CDN); the default validator
    # badge would send the schema URL to validator.swagger.io, so it is switched off.
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(ContestError)
def contest_error(request, exc: ContestError) -> HttpResponse:
    """A service's refusal in the error contract of ``core.api`` (``ErrorOut``/``FieldErrorsOut``)."""
    body = {"detail": exc.message, "code": exc.code, "field": exc.field}
    if isinstance(exc, FieldErrors):  # the services' field map: every field to correct, at once
        return api.create_response(request, {**body, "fields": exc.fields}, status=422)
    return api.create_response(request, body, status=exc.status_code)


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


api.add_router("/", catalog_router)
api.add_router("/", registration_router)
api.add_router("/", tokens_router)
api.add_router("/", review_router)
api.add_router("/", finals_router)
