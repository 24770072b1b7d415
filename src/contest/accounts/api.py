"""The signed-in user's API tokens: create (the key is shown once), list, revoke.

Creating a token takes the browser session: a token cannot mint further tokens, so a leaked
key cannot make itself permanent. Listing and revoking accept either kind of sign-in.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from contest.accounts import tokens
from contest.accounts.api_auth import api_auth, current_user, session
from contest.accounts.models import ApiToken
from contest.catalog.schemas import ID_MAX
from contest.core.api import ErrorOut, InputSchema, Integer, Invalid, local, text
from contest.core.client import origin
from contest.core.errors import NotFound

router = Router(tags=["tokens"], auth=api_auth)

TOKEN_ID = Path(..., ge=1, le=ID_MAX, description="令牌编号")


class TokenIn(InputSchema):
    name: text(100, "用途，如“企业 ERP 对接”", filled=True)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌的前 8 个字符，用于辨认")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @staticmethod
    def resolve_created_at(obj: ApiToken) -> datetime | None:
        return local(obj.created_at)

    @staticmethod
    def resolve_last_used_at(obj: ApiToken) -> datetime | None:
        return local(obj.last_used_at)

    @staticmethod
    def resolve_revoked_at(obj: ApiToken) -> datetime | None:
        return local(obj.revoked_at)


class TokenCreatedOut(TokenOut):
    key: str = Field(description="令牌本身：只在此时显示一次，平台只保存其 SHA-256")


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: Invalid}


@router.post(
    "/tokens",
    auth=[session],
    response={201: TokenCreatedOut, **ERRORS},
    summary="新建 API 令牌（需网页登录）",
    description="返回的 `key` 只显示这一次；之后请求时放在请求头 `Authorization: Bearer <key>`。",
)
def create_token(request: HttpRequest, payload: TokenIn):
    token, key = tokens.issue_api_token(by=current_user(request), name=payload.name, origin=origin(request))
    token.key = key  # on this answer only; never stored
    return Status(201, token)


@router.get("/tokens", response={200: list[TokenOut], 401: ErrorOut}, summary="我的 API 令牌")
def list_tokens(request: HttpRequest):
    return tokens.tokens_of(current_user(request))


@router.post("/tokens/{id}/revoke", response={200: TokenOut, **ERRORS}, summary="撤销 API 令牌")
def revoke_token(request: HttpRequest, id: Integer = TOKEN_ID):
    user = current_user(request)
    token = tokens.tokens_of(user).filter(pk=id).first()
    if token is None:
        raise NotFound("没有这个令牌。", field="id", code="token_not_found")
    return tokens.revoke_api_token(by=user, token=token, origin=origin(request))
