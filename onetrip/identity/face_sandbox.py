"""A sandbox of a face-verification service, shaped like Tencent Cloud FaceID (人脸核身).

`DetectAuth` takes {RuleId, IdCard, Name, RedirectUrl} and answers {"Response": {Url, BizToken,
RequestId}}; the person is filmed at Url and sent back to RedirectUrl with `BizToken`;
`GetDetectInfoEnhanced` takes {BizToken, RuleId} and answers {"Response": {Text: {ErrCode,
ErrMsg, IdCard, Name, Sim, LiveStatus, Comparestatus}, RequestId}} — ErrCode 0 with Sim ≥ 70 is a
pass, 1001-style codes a failure, and an unfinished check answers ErrCode null. No face is ever
filmed: the sandbox page lets a tester say whether the face matches.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.urls import reverse

from onetrip.core import clock
from onetrip.identity.face import PASS_SIMILARITY, FaceResult, FaceStart
from onetrip.identity.models import SandboxFaceSession

RULE_ID = "1"
MATCH_SIM, MISMATCH_SIM = Decimal("96.52"), Decimal("31.08")
NOT_SAME_PERSON = 2004  # the service's "比对不通过"


def detect_auth(params: dict) -> dict:
    token = secrets.token_hex(16).upper()
    SandboxFaceSession.objects.create(
        biz_token=token,
        name=params["Name"],
        id_number=params["IdCard"],
        redirect_url=params["RedirectUrl"],
        created_at=clock.now(),
    )
    return {
        "Response": {
            "Url": reverse("identity-sandbox-faceid", args=[token]),
            "BizToken": token,
            "RequestId": secrets.token_hex(8),
        }
    }


def film(token: str, *, same_person: bool) -> SandboxFaceSession:
    """The tester's answer on the sandbox page stands in for the camera."""
    session = SandboxFaceSession.objects.get(biz_token=token)
    session.err_code = 0 if same_person else NOT_SAME_PERSON
    session.sim = MATCH_SIM if same_person else MISMATCH_SIM
    session.save(update_fields=["err_code", "sim"])
    return session


def get_detect_info(params: dict) -> dict:
    session = SandboxFaceSession.objects.filter(biz_token=params["BizToken"]).first()
    if session is None:
        return {"Response": {"Error": {"Code": "InvalidParameter.BizToken", "Message": "无效"}}}
    return {
        "Response": {
            "Text": {
                "ErrCode": session.err_code,
                "ErrMsg": {None: None, 0: "成功"}.get(session.err_code, "比对不通过"),
                "IdCard": session.id_number,
                "Name": session.name,
                "Sim": str(session.sim) if session.sim is not None else None,
                "LiveStatus": 0 if session.err_code is not None else None,
                "Comparestatus": session.err_code,
            },
            "RequestId": secrets.token_hex(8),
        }
    }


class SandboxFaceVerifier:
    """The `FaceVerifier` over the sandbox's API shapes."""

    def start(self, *, name: str, id_number: str, redirect_url: str) -> FaceStart:
        answer = detect_auth(
            {"RuleId": RULE_ID, "IdCard": id_number, "Name": name, "RedirectUrl": redirect_url}
        )["Response"]
        return FaceStart(token=answer["BizToken"], url=answer["Url"])

    def result(self, token: str) -> FaceResult:
        text = get_detect_info({"BizToken": token, "RuleId": RULE_ID})["Response"].get("Text")
        if text is None or text["ErrCode"] is None:
            return FaceResult(finished=False, passed=False, similarity=None, code="")
        similarity = Decimal(text["Sim"])
        passed = text["ErrCode"] == 0 and similarity >= PASS_SIMILARITY
        return FaceResult(
            finished=True, passed=passed, similarity=similarity, code=str(text["ErrCode"])
        )
