"""A small IVR application: answer, play, gather a PIN, record, monitor, transfer.

Run it with uvicorn (``uvicorn app:app --app-dir examples/ivr --port 9000``) next to a
sandbox; $MSGKIT_SANDBOX_URL, $MSGKIT_APP_ID and $MSGKIT_ACCESS_TOKEN say where and who,
$IVR_URL where the application itself listens.
"""

import os

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import msgkit

SANDBOX = os.environ["MSGKIT_SANDBOX_URL"]
HERE = os.environ.get("IVR_URL", "http://127.0.0.1:9000")
CREDENTIALS = {
    "app_id": os.environ["MSGKIT_APP_ID"],
    "access_token": os.environ["MSGKIT_ACCESS_TOKEN"],
}
transport = msgkit.get_transport("hoiio", base_url=SANDBOX + "/open")
calls: dict[str, msgkit.Call] = {}

# What to send once a block has notified: the call flow, as data.
NEXT = {
    "answer": ("play", {"msg": "Welcome to msgkit."}),
    "play": ("gather", {"msg": "Please key in your PIN.", "max_digits": 4, "timeout": 30}),
    "gather": ("record", {"msg": "Leave a message, then press hash.", "max_duration": 120}),
    "record": ("monitor", {"msg": "This call is recorded.", "monitor_notify_url": HERE + "/n"}),
    "monitor": ("transfer", {"msg": "Connecting you.", "dest": "room:R2024"}),
}


async def notified(request: Request) -> PlainTextResponse:
    try:
        note = msgkit.parse_notification(
            await request.body(),
            request.headers.get("content-type", ""),
            request.url.query,
            signature=request.headers.get("x-hoiio-signature"),
            access_token=CREDENTIALS["access_token"],
        )
    except msgkit.NotificationError as error:  # a forged or broken one
        return PlainTextResponse(str(error), status_code=403)
    fields = {k: v for k, v in note.to_dict().items() if k in ("digits", "transfer_status")}
    print(type(note).__name__, note.call_state, *fields.values(), flush=True)
    # Answer at once (the provider waits for it), then act.
    return PlainTextResponse("OK", background=BackgroundTask(next_block, note))


def next_block(note: msgkit.Notification) -> None:
    call = calls.setdefault(note.session, msgkit.Call(note.session))
    call.observe(note)
    if isinstance(note, (msgkit.RecordNotification, msgkit.MonitorFileNotification)):
        os.makedirs("recordings", exist_ok=True)
        print("saved", note.download("recordings"), flush=True)
    if note.ended or note.block not in NEXT:
        return
    block, params = NEXT[note.block]
    request = msgkit.request(
        block, session=note.session, notify_url=HERE + "/n", **CREDENTIALS, **params
    )
    call.submit(request, transport)  # checks the session rules, then sends


app = Starlette(routes=[Route("/n", notified, methods=["POST"])])
