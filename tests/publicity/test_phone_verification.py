"""Objections come from verified phones: a 6-digit code texted to the phone (stored hashed, valid
10 minutes, 5 attempts, rate-limited per phone and per address) must be typed before filing; the
form's two steps keep what was typed; one list's evidence has a storage cap."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contest.core import sms
from contest.core.errors import Conflict, ValidationFailed
from contest.publicity import services
from contest.publicity.models import Objection, PhoneVerification

from .builders import (
    PHONE,
    T0,
    advancement_round,
    file_verified,
    objection_data,
    published_list,
    verified_phone,
)

pytestmark = pytest.mark.integration
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NOW = T0 + timedelta(hours=3)


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def notice(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, _best, organizer = advancement_round(ningbo, n=2, advance=1)
    with time_machine.travel(T0, tick=False):
        return published_list(ningbo, organizer, round_=round_)


def texted_code() -> str:
    return re.search(r"验证码为 (\d{6})", sms.outbox[-1].text).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- the service ---------------------------------------------------------------------------------------------


def test_objection_without_a_verified_phone_is_refused(notice):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ValidationFailed) as unverified:
            services.file_objection(by=None, notice=notice, data=objection_data())
        sent = services.send_phone_code(notice=notice, phone=PHONE, ip="203.0.113.5")
        with pytest.raises(ValidationFailed) as not_confirmed:
            services.file_objection(by=None, notice=notice, data=objection_data(), verification=sent)
        other = verified_phone("13900001111")
        with pytest.raises(ValidationFailed) as other_phone:
            services.file_objection(by=None, notice=notice, data=objection_data(), verification=other)
    message = "请先用短信验证码验证手机号，再提交异议。"
    assert (unverified.value.message, unverified.value.field) == (message, "code")
    assert (not_confirmed.value.message, other_phone.value.message) == (message, message)
    assert Objection.objects.count() == 0


def test_a_verification_files_one_objection_within_30_minutes(notice):
    with time_machine.travel(NOW, tick=False):
        proof = verified_phone(PHONE)
        objection = services.file_objection(by=None, notice=notice, data=objection_data(), verification=proof)
        with pytest.raises(ValidationFailed, match="请先用短信验证码验证手机号"):
            services.file_objection(by=None, notice=notice, data=objection_data(), verification=proof)
        late = verified_phone(PHONE)
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False), pytest.raises(ValidationFailed):
        services.file_objection(by=None, notice=notice, data=objection_data(), verification=late)
    proof.refresh_from_db()
    assert (objection.phone, objection.phone_verified_at, proof.used_at) == ("+8613812345678", NOW, NOW)
    assert Objection.objects.count() == 1


def test_code_is_texted_and_stored_only_as_a_hash(notice):
    with time_machine.travel(NOW, tick=False):
        sent = services.send_phone_code(notice=notice, phone="138 1234 5678", ip="203.0.113.5")
    code = texted_code()
    assert [m.phone for m in sms.outbox] == ["+8613812345678"]
    assert (
        sms.outbox[0].text
        == f"【创客中国】您提交公示异议的验证码为 {code}，10 分钟内有效。如非本人操作，请忽略本短信。"
    )
    stored = PhoneVerification.objects.get(pk=sent.pk)
    assert (stored.phone, stored.ip, stored.expires_at, stored.attempts) == (
        "+8613812345678", "203.0.113.5", NOW + timedelta(minutes=10), 0)  # fmt: skip
    assert len(stored.code_hash) == 64
    assert code not in stored.code_hash


def test_wrong_code_five_times_locks_the_code(notice):
    with time_machine.travel(NOW, tick=False):
        sent = services.send_phone_code(notice=notice, phone=PHONE, ip=None)
        code = texted_code()
        messages = []
        for _ in range(5):
            with pytest.raises(ValidationFailed) as caught:
                services.confirm_phone_code(verification_id=sent.pk, phone=PHONE, code=wrong(code))
            messages.append(caught.value.message)
        with pytest.raises(ValidationFailed) as locked:
            services.confirm_phone_code(verification_id=sent.pk, phone=PHONE, code=code)
    assert messages == ["验证码不正确，还可以再试 4 次。", "验证码不正确，还可以再试 3 次。", "验证码不正确，还可以再试 2 次。",
                        "验证码不正确，还可以再试 1 次。", "验证码错误次数过多，已失效，请重新获取。"]  # fmt: skip
    assert locked.value.message == "验证码错误次数过多，已失效，请重新获取。"
    sent.refresh_from_db()
    assert (sent.attempts, sent.verified_at) == (5, None)


def test_code_expires_after_ten_minutes(notice):
    with time_machine.travel(NOW, tick=False):
        sent = services.send_phone_code(notice=notice, phone=PHONE, ip=None)
        code = texted_code()
    with (
        time_machine.travel(NOW + timedelta(minutes=10), tick=False),
        pytest.raises(ValidationFailed) as caught,
    ):
        services.confirm_phone_code(verification_id=sent.pk, phone=PHONE, code=code)
    assert caught.value.message == "验证码已过期，请重新获取。"
    with time_machine.travel(NOW + timedelta(minutes=9, seconds=59), tick=False):
        assert (
            services.confirm_phone_code(verification_id=sent.pk, phone=PHONE, code=code).verified_at
            is not None
        )


def test_codes_are_rate_limited_per_phone(notice):
    refusals = []
    with time_machine.travel(NOW, tick=False):
        services.send_phone_code(notice=notice, phone=PHONE, ip=None)
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False), pytest.raises(Conflict) as soon:
        services.send_phone_code(notice=notice, phone=PHONE, ip=None)
    for minute in range(1, 5):
        with time_machine.travel(NOW + timedelta(minutes=minute), tick=False):
            services.send_phone_code(notice=notice, phone=PHONE, ip=None)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False), pytest.raises(Conflict) as hourly:
        services.send_phone_code(notice=notice, phone=PHONE, ip=None)
    refusals = [soon.value.message, hourly.value.message]
    assert refusals == [
        "验证码已发送，请 31 秒后再重新获取。",
        "该手机号获取验证码过于频繁，请一小时后再试。",
    ]
    assert len(sms.outbox) == 5
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        services.send_phone_code(notice=notice, phone=PHONE, ip=None)
    assert len(sms.outbox) == 6


def test_codes_are_rate_limited_per_address(notice):
    with time_machine.travel(NOW, tick=False):
        for i in range(services.CODES_PER_IP_PER_HOUR):
            services.send_phone_code(notice=notice, phone=f"139000{i:05d}", ip="203.0.113.9")
        with pytest.raises(Conflict) as caught:
            services.send_phone_code(notice=notice, phone="13700000000", ip="203.0.113.9")
        services.send_phone_code(notice=notice, phone="13700000000", ip="203.0.113.10")
    assert caught.value.message == "本网络获取验证码过于频繁，请一小时后再试。"
    assert len(sms.outbox) == services.CODES_PER_IP_PER_HOUR + 1


def test_evidence_beyond_the_list_s_cap_is_refused_and_the_file_limit_stays(notice, settings):
    settings.PUBLICITY_EVIDENCE_MAX_PER_NOTICE = 1024 * 1024
    big = PNG + b"\x00" * (600 * 1024)
    with time_machine.travel(NOW, tick=False):
        first = file_verified(notice=notice, data=objection_data(), evidence=("a.png", big))
        with pytest.raises(ValidationFailed) as full:
            file_verified(notice=notice, data=objection_data(phone="13900001111"), evidence=("b.png", big))
        without = file_verified(notice=notice, data=objection_data(phone="13900001111"))
        with pytest.raises(ValidationFailed) as too_big:
            file_verified(notice=notice, data=objection_data(phone="13900002222"),
                          evidence=("c.png", PNG + b"\x00" * (10 * 1024 * 1024)))  # fmt: skip
    assert (full.value.field, full.value.message) == ("evidence", "本名单收到的证据材料已达存储上限（1 MB），不能再附文件。请不附文件提交，在异议理由中说明证据，组织方会与您联系。")  # fmt: skip
    assert too_big.value.message == "证据文件过大：10.0 MB，上限 10 MB。"
    assert (first.evidence_size, without.evidence_size) == (len(big), None)
    assert Objection.objects.count() == 2


# -- the form's two steps on a phone -------------------------------------------------------------------------


def post(client, notice, data: dict):
    return client.post(reverse("publicity:objection_create", args=[notice.pk]), data)


def test_form_asks_for_the_phone_first_and_keeps_typed_data_through_every_step(client, notice):
    typed = {"name": "李明", "email": "liming@example.cn", "reason": "该项目存在知识产权纠纷。"}
    with time_machine.travel(NOW, tick=False):
        first = client.get(reverse("publicity:objection_create", args=[notice.pk])).content.decode()
        refused = post(client, notice, {**typed, "phone": PHONE}).content.decode()  # no code asked for yet
        sent = post(client, notice, {**typed, "phone": PHONE, "action": "send"}).content.decode()
        code = texted_code()
        changed = post(client, notice, {**typed, "phone": PHONE, "action": "change"}).content.decode()
        post(client, notice, {**typed, "phone": PHONE, "action": "send"})  # refused: within the minute
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        post(client, notice, {**typed, "phone": PHONE, "action": "send"})
        code = texted_code()
        upload = SimpleUploadedFile("证据.png", PNG, content_type="image/png")
        mistyped = client.post(reverse("publicity:objection_create", args=[notice.pk]),
                               {**typed, "phone": PHONE, "code": wrong(code), "evidence": upload}).content.decode()  # fmt: skip
        filed = post(client, notice, {**typed, "phone": PHONE, "code": code})
    assert ('id="phone-step"' in first, "<textarea" in first) == (True, False)
    assert "请先获取短信验证码，验证手机号后再提交。" in refused
    assert 'type="hidden" name="reason" value="该项目存在知识产权纠纷。"' in refused
    assert ('id="details-step"' in sent, "验证码已发送至 138****5678，10 分钟内有效。" in sent) == (
        True,
        True,
    )
    assert "该项目存在知识产权纠纷。</textarea>" in sent
    assert ('id="phone-step"' in changed, 'type="hidden" name="reason" value="该项目存在知识产权纠纷。"' in changed) == (True, True)  # fmt: skip
    assert "验证码不正确，还可以再试 4 次。" in mistyped
    assert "该项目存在知识产权纠纷。</textarea>" in mistyped
    assert "已保留您上传的证据文件：证据.png（如需更换，请重新选择）。" in mistyped
    assert filed.status_code == 302
    objection = Objection.objects.get()
    assert (objection.name, objection.reason, objection.evidence_content_type, objection.evidence_size) == (
        "李明", "该项目存在知识产权纠纷。", "image/png", len(PNG))  # fmt: skip
    assert client.session.get("publicity_pending_evidence") is None
    assert client.session.get("publicity_phone_verification") is None


def test_send_step_shows_a_bad_phone_on_its_field(client, notice):
    with time_machine.travel(NOW, tick=False):
        body = post(client, notice, {"phone": "110", "action": "send"}).content.decode()
    assert "请输入有效的中国大陆手机号。" in body
    assert 'id="phone-step"' in body
    assert sms.outbox == []


# -- the SMS backends ----------------------------------------------------------------------------------------


def test_console_backend_writes_the_message_and_the_setting_picks_the_backend(settings):
    stream = io.StringIO()
    assert sms.ConsoleBackend(stream=stream).send(sms.Message("+8613812345678", "验证码 123456")) is True
    assert stream.getvalue() == "[SMS] +8613812345678: 验证码 123456\n"
    settings.SMS_BACKEND = "contest.core.sms.LocmemBackend"
    assert sms.send_sms("+8613812345678", "你好") is True
    assert sms.outbox == [sms.Message("+8613812345678", "你好")]
    assert type(sms.get_backend("contest.core.sms.ConsoleBackend")) is sms.ConsoleBackend
