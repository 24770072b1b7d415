"""The JSON API at /api/v1/: routers per domain app, OpenAPI 3.1, docs UI served locally."""

import json

from django.http import HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from contest.core.errors import ContestError


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
    return api.create_response(
        request, {"detail": exc.message, "code": exc.code, "field": exc.field}, status=exc.status_code
    )


from contest.catalog.api import router as catalog_router  # noqa: E402

api.add_router("/", catalog_router)
