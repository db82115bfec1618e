"""Local fakes of Twilio Messaging, Vonage SMS and AWS SNS that speak each provider's real
wire format over HTTP on loopback: the same request parameters, success bodies, error
bodies and status codes, and the delivery-receipt callbacks they send."""

from __future__ import annotations

import base64
import itertools
import re
from collections import deque
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from ringfence.crypto.tokens import twilio_signature


@dataclass
class Failure:
    status: int
    code: str


@dataclass
class Fake:
    """What every fake records and can be told to do."""

    received: list[dict[str, str]] = field(default_factory=list)
    failures: deque[Failure] = field(default_factory=deque)
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def fail_next(self, status: int, code: str, times: int = 1) -> None:
        self.failures.extend(Failure(status, code) for _ in range(times))


# -- Twilio ------------------------------------------------------------------------------

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-auth-token"


class FakeTwilio(Fake):
    """``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form, basic auth)."""

    def __init__(self) -> None:
        super().__init__()
        self.app = FastAPI()
        self.app.post("/2010-04-01/Accounts/{sid}/Messages.json")(self._create)
        self.app.post("/2010-04-01/Accounts/{sid}/Calls.json")(self._call)
        self.calls: list[dict[str, str]] = []

    @staticmethod
    def _error(status: int, code: int, message: str) -> JSONResponse:
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return JSONResponse(body, status_code=status)

    async def _create(self, sid: str, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if sid != TWILIO_SID or request.headers.get("authorization") != expected:
            return self._error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.form()).items()}
        if self.failures:
            failure = self.failures.popleft()
            return self._error(failure.status, int(failure.code), "injected failure")
        if "To" not in form:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not re.fullmatch(r"(whatsapp:)?\+[1-9]\d{6,14}", form["To"]):
            return self._error(400, 21211, "The 'To' number is not a valid phone number.")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self._error(
                400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required."
            )
        self.received.append(form)
        message_sid = f"SM{next(self.ids):032x}"
        return JSONResponse(
            {
                "account_sid": TWILIO_SID,
                "api_version": "2010-04-01",
                "body": form["Body"],
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "num_segments": "1",
                "sid": message_sid,
                "status": "queued",
                "to": form["To"],
                "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{message_sid}.json",
            },
            status_code=201,
        )

    async def _call(self, sid: str, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if sid != TWILIO_SID or request.headers.get("authorization") != expected:
            return self._error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not re.fullmatch(r"\+[1-9]\d{6,14}", form.get("To", "")):
            return self._error(400, 21211, "The 'To' number is not a valid phone number.")
        if not form.get("Twiml", "").startswith("<Response>"):
            return self._error(400, 21205, "Url or Twiml is required.")
        self.calls.append(form)
        call_sid = f"CA{next(self.ids):032x}"
        body = {"sid": call_sid, "status": "queued", "to": form["To"], "from": form.get("From")}
        return JSONResponse(body, status_code=201)

    def send_status(
        self,
        callback: str,
        message_sid: str,
        status: str,
        error_code: str | None = None,
        *,
        token: str = TWILIO_TOKEN,
    ) -> httpx.Response:
        """Post a status callback as Twilio does (form body, X-Twilio-Signature)."""
        params = {
            "AccountSid": TWILIO_SID,
            "ApiVersion": "2010-04-01",
            "MessageSid": message_sid,
            "MessageStatus": status,
            "SmsSid": message_sid,
            "SmsStatus": status,
        }
        if error_code:
            params["ErrorCode"] = error_code
        signature = twilio_signature(token, callback, params)
        return httpx.post(callback, data=params, headers={"X-Twilio-Signature": signature})


# -- Vonage ------------------------------------------------------------------------------

VONAGE_KEY = "abcd1234"
VONAGE_SECRET = "vonage-test-secret"


class FakeVonage(Fake):
    """``POST /sms/json``: HTTP 200 with a per-message ``status`` (``0`` success)."""

    def __init__(self) -> None:
        super().__init__()
        self.app = FastAPI()
        self.app.post("/sms/json")(self._send)

    @staticmethod
    def _error(status: str, text: str) -> JSONResponse:
        return JSONResponse(
            {"message-count": "1", "messages": [{"status": status, "error-text": text}]}
        )

    async def _send(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if form.get("api_key") != VONAGE_KEY or form.get("api_secret") != VONAGE_SECRET:
            return self._error("4", "Bad Credentials")
        if self.failures:
            failure = self.failures.popleft()
            if failure.status != 200:
                return Response(status_code=failure.status)
            return self._error(failure.code, "injected failure")
        missing = [p for p in ("from", "to", "text") if not form.get(p)]
        if missing:
            return self._error("2", f"Missing {missing[0]}")
        if not form["to"].isdigit():
            return self._error("3", "Invalid to")
        self.received.append(form)
        return JSONResponse(
            {
                "message-count": "1",
                "messages": [
                    {
                        "to": form["to"],
                        "message-id": f"{next(self.ids):08x}-0000-4000-8000-000000000000",
                        "status": "0",
                        "remaining-balance": "3.14159265",
                        "message-price": "0.03330000",
                        "network": "20810",
                    }
                ],
            }
        )

    def send_dlr(
        self, callback: str, message_id: str, status: str, err_code: str = "0"
    ) -> httpx.Response:
        """Post a delivery receipt as Vonage does (form parameters)."""
        params = {
            "msisdn": self.received[-1]["to"] if self.received else "",
            "to": "ringfence",
            "network-code": "20810",
            "messageId": message_id,
            "price": "0.03330000",
            "status": status,
            "scts": "2601011200",
            "err-code": err_code,
            "message-timestamp": "2026-01-01 12:00:00",
        }
        return httpx.post(callback, data=params)


# -- AWS SNS -----------------------------------------------------------------------------

SNS_KEY_ID = "AKIDEXAMPLE"
SNS_SECRET = "sns-test-secret"
_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)"
    r"/sns/aws4_request, "
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})"
)
_NS = "http://sns.amazonaws.com/doc/2010-03-31/"


class FakeSns(Fake):
    """The query protocol: ``POST /`` with ``Action=Publish``, answered in XML."""

    def __init__(self, region: str = "eu-west-1") -> None:
        super().__init__()
        self.region = region
        self.app = FastAPI()
        self.app.post("/")(self._action)

    @staticmethod
    def _error(status: int, kind: str, code: str, message: str) -> Response:
        xml = (
            f'<ErrorResponse xmlns="{_NS}"><Error><Type>{kind}</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>"
        )
        return Response(xml, status_code=status, media_type="text/xml")

    async def _action(self, request: Request) -> Response:
        match = _SIGV4.fullmatch(request.headers.get("authorization", ""))
        if not match or match["key"] != SNS_KEY_ID or match["region"] != self.region:
            return self._error(
                403,
                "Sender",
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            )
        if "x-amz-date" not in match["headers"].split(";") or "host" not in match["headers"].split(
            ";"
        ):
            return self._error(403, "Sender", "IncompleteSignature", "Missing signed headers.")
        form = {k: str(v) for k, v in (await request.form()).items()}
        if self.failures:
            failure = self.failures.popleft()
            return self._error(failure.status, "Sender", failure.code, "injected failure")
        if form.get("Action") != "Publish" or form.get("Version") != "2010-03-31":
            return self._error(400, "Sender", "InvalidAction", "Unknown action.")
        if not re.fullmatch(r"\+[1-9]\d{6,14}", form.get("PhoneNumber", "")):
            return self._error(400, "Sender", "InvalidParameter", "Invalid parameter: PhoneNumber")
        self.received.append(form)
        message_id = f"{next(self.ids):08x}-1111-5222-8333-444444444444"
        xml = (
            f'<PublishResponse xmlns="{_NS}"><PublishResult><MessageId>{message_id}</MessageId>'
            "</PublishResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>"
            "</PublishResponse>"
        )
        return Response(xml, media_type="text/xml")


class FakeTwilioLookup(FakeTwilio):
    """Twilio Lookup v2 ``GET /v2/PhoneNumbers/{PhoneNumber}`` with
    ``Fields=reassigned_number`` and ``LastVerifiedDate=YYYYMMDD`` (basic auth): the number
    counts as reassigned when it was disconnected after that date."""

    def __init__(self) -> None:
        super().__init__()
        self.app.get("/v2/PhoneNumbers/{number}")(self._lookup)
        # E.164 -> the date its previous holder was disconnected
        self.disconnected: dict[str, str] = {}
        self.lookups: list[dict[str, str]] = []

    async def _lookup(self, number: str, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return self._error(401, 20003, "Authenticate")
        if self.failures:
            failure = self.failures.popleft()
            return self._error(failure.status, int(failure.code), "injected failure")
        params = dict(request.query_params)
        self.lookups.append({"number": number, **params})
        if not re.fullmatch(r"\+?[1-9]\d{6,14}", number):
            return self._error(404, 20404, "The requested resource was not found")
        body: dict[str, object] = {
            "calling_country_code": "1",
            "country_code": "US",
            "phone_number": number,
            "valid": True,
            "validation_errors": [],
            "reassigned_number": None,
        }
        if "reassigned_number" in params.get("Fields", "").split(","):
            last = params.get("LastVerifiedDate", "")
            body["reassigned_number"] = {
                "last_verified_date": f"{last[:4]}-{last[4:6]}-{last[6:]}",
                "is_number_reassigned": self._answer(number, last),
                "error_code": None,
            }
        return JSONResponse(body)

    def _answer(self, number: str, last: str) -> str:
        if last < "20210127":  # the FCC database starts then
            return "no_data_available"
        gone = self.disconnected.get(number)
        return "yes" if gone is not None and gone.replace("-", "") > last else "no"
