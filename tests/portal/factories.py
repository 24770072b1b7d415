"""Builders for portal tests: credentials through the services, items as a portal sends them."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from django.test import Client
from PIL import Image

from contest.catalog.models import Event
from contest.portal import services
from contest.portal.models import PortalClient
from tests.registration.factories import credit_code, organizer_for, pdf_bytes

__all__ = [
    "PortalApi",
    "credit_code",
    "enterprise_item",
    "maker_item",
    "new_client",
    "pdf_bytes",
    "png_bytes",
]

_serial = iter(range(1, 10**6))


def new_client(event: Event, by=None, name: str = "省级报名平台") -> tuple[PortalClient, str]:
    """A credential of ``event`` created by one of its organizers; with the credential string."""
    return services.create_portal_client(by=by or organizer_for(event), event=event, name=name)


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def enterprise_item(key: str | None = None, *, code: str | None = None, **fields: Any) -> dict[str, Any]:
    """An enterprise-group item of 宁波 (division 330203), complete."""
    n = next(_serial)
    item = {
        "key": key or f"NB-E-{n:05d}",
        "group": "enterprise",
        "fields": {
            "name": f"宁波门户科技有限公司{n}", "credit_code": code or credit_code("330203"),
            "founded_on": "2019-03-15", "registered_capital": "500", "employees": 45,
            "revenue_last_year": "3200.50", "is_listed": False, "industry": "C", "sme_status": "srdi",
            "contact_name": "李明", "contact_phone": "13800138000", "title": f"工业视觉缺陷检测平台{n}",
            "summary": "基于深度学习的表面缺陷检测。", "innovation": "小样本学习", "market": "长三角电子制造",
            "business_model": "软件订阅", "team_description": "博士团队", "funding_sought": "2000",
            "pitch_video_url": "",
            **fields,
        },
    }  # fmt: skip
    return item


def maker_item(key: str | None = None, *, phone: str = "13900139000", **fields: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        "key": key or f"NB-M-{n:05d}",
        "group": "maker",
        "fields": {
            "team_name": f"光合创客团队{n}", "leader_name": "王芳", "leader_phone": phone,
            "declares_not_enterprise": True, "title": f"低成本光伏清洁机器人{n}", "industry": "D",
            "summary": "面向分布式光伏的清洁机器人。", "innovation": "", "market": "", "business_model": "",
            "team_description": "", "funding_sought": "", "pitch_video_url": "",
            **fields,
        },
        "members": [
            {"name": "王芳", "role": "负责人", "phone": phone, "affiliation": "宁波大学"},
            {"name": "陈晨", "role": "硬件", "phone": "13700137000", "affiliation": "宁波大学"},
            {"name": "赵磊", "role": "市场", "phone": "13600136000", "affiliation": "宁波大学"},
        ],
    }  # fmt: skip


class PortalApi:
    """A portal site calling /api/v1/portal/ with its credential."""

    def __init__(self, credential: str | None, *, basic: bool = False):
        self.client = Client()
        self.credential = credential
        self.basic = basic

    def headers(self, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if self.credential is not None:
            if self.basic:
                pair = self.credential.replace(".", ":", 1).encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            else:
                headers["Authorization"] = f"Bearer {self.credential}"
        return headers

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1/portal{path}", params, headers=self.headers())

    def push(
        self, items: list[dict], *, key: str = "push-1", files: dict[str, tuple[str, bytes]] | None = None
    ):
        """JSON when there are no files, multipart with the ``payload`` part otherwise."""
        document = {"items": items}
        if not files:
            return self.client.post(
                "/api/v1/portal/entries", json.dumps(document, ensure_ascii=False),
                content_type="application/json", headers=self.headers(**{"Idempotency-Key": key}),
            )  # fmt: skip
        from django.core.files.uploadedfile import SimpleUploadedFile

        data: dict[str, Any] = {"payload": json.dumps(document, ensure_ascii=False)}
        for part, (name, content) in files.items():
            data[part] = SimpleUploadedFile(name, content)
        return self.client.post(
            "/api/v1/portal/entries", data, headers=self.headers(**{"Idempotency-Key": key})
        )
