"""Round trip through the Python client generated from openapi/llavero.json.

Run by `just clients` against a live server: sign in, create a key, list it,
check that the key itself cannot rename it, rename it and narrow it signed
in, verify it with a required scope, roll it with a grace and verify both
secrets, revoke it, see verify answer REVOKED for both, and read its usage
(uses, refusals by reason, addresses) once the flush has written it. Exits non-zero
(with the reason) on any deviation. The generated package itself is not
committed; `just clients` generates it into target/ before running this.
"""

import os
import sys
import time

from llavero_api_client import AuthenticatedClient, Client
from llavero_api_client.api.api_keys import (
    api_key_create,
    api_key_list,
    api_key_revoke,
    api_key_roll,
    api_key_update,
    api_key_usage,
)
from llavero_api_client.api.auth import auth_login, me_get
from llavero_api_client.api.verify import key_verify
from llavero_api_client.models import (
    CreateApiKey,
    LoginRequest,
    RollApiKey,
    UpdateApiKey,
    VerifyCode,
    VerifyRequest,
)

BASE = os.environ["LLAVERO_URL"]
ADMIN_PASSWORD = os.environ["LLAVERO_ADMIN_PASSWORD"]
VERIFY_TOKEN = os.environ["LLAVERO_VERIFY_TOKEN"]


passed = 0


def check(cond, what):
    global passed
    if not cond:
        sys.exit(f"python client round trip failed: {what}")
    passed += 1
    print(f"ok  {what}")


session = Client(base_url=BASE, raise_on_unexpected_status=True)
login = auth_login.sync_detailed(client=session, body=LoginRequest(username="admin", password=ADMIN_PASSWORD))
check(login.status_code == 200, "sign in with the session cookie")

created = api_key_create.sync(client=session, body=CreateApiKey(name="python-client"))
check(created.secret.startswith("mco_") and created.data.name == "python-client", "create a key; the secret comes once")

by_key = AuthenticatedClient(base_url=BASE, token=created.secret, prefix="Bearer", raise_on_unexpected_status=True)
me = me_get.sync(client=by_key)
check(me.data.api_key.id == created.data.id, "the key authenticates GET /me")

listed = api_key_list.sync(client=by_key)
check(any(k.id == created.data.id for k in listed.data), "list shows it")

refused = api_key_update.sync_detailed(client=by_key, id=created.data.id, body=UpdateApiKey(name="by-key"))
check(refused.status_code == 403 and refused.parsed.code.value == "key_not_allowed", "the key cannot rename keys (403 key_not_allowed)")

renamed = api_key_update.sync(
    client=session,
    id=created.data.id,
    body=UpdateApiKey(name="python-renamed", scopes=["compute:read"], allowed_cidrs=["203.0.113.0/24"]),
)
check(
    renamed.data.name == "python-renamed"
    and renamed.data.scopes == ["compute:read"]
    and renamed.data.allowed_cidrs == ["203.0.113.0/24"],
    "rename it and limit it to a scope and a network (signed in)",
)

gateway = AuthenticatedClient(base_url=BASE, token=VERIFY_TOKEN, prefix="Bearer", raise_on_unexpected_status=True)
verdict = key_verify.sync(client=gateway, body=VerifyRequest(key=created.secret, client_ip="203.0.113.10", required_scope="compute:read"))
check(verdict.data.valid and verdict.data.code == VerifyCode.VALID, "verify says VALID")
verdict = key_verify.sync(client=gateway, body=VerifyRequest(key=created.secret, client_ip="203.0.113.10", required_scope="compute:write"))
check(verdict.data.code == VerifyCode.SCOPE_MISSING, "verify says SCOPE_MISSING for another scope")

rolled = api_key_roll.sync(client=session, id=created.data.id, body=RollApiKey(grace_seconds=60))
check(
    rolled.data.id == created.data.id and rolled.secret != created.secret and rolled.data.previous_secret_expires_at is not None,
    "roll it with a 60 s grace: same key, new secret",
)
for secret in (created.secret, rolled.secret):
    verdict = key_verify.sync(client=gateway, body=VerifyRequest(key=secret, client_ip="203.0.113.10"))
    check(verdict.data.code == VerifyCode.VALID, "verify says VALID for each secret")

revoked = api_key_revoke.sync_detailed(client=session, id=created.data.id)
check(revoked.status_code == 204, "revoke it")

for secret in (created.secret, rolled.secret):
    verdict = key_verify.sync(client=gateway, body=VerifyRequest(key=secret))
    check(not verdict.data.valid and verdict.data.code == VerifyCode.REVOKED, "verify says REVOKED for each secret")
# Six uses (three direct calls, three verifies), one SCOPE_MISSING, two REVOKED.
for _ in range(100):
    usage = api_key_usage.sync(client=session, id=created.data.id)
    day = usage.data.days[0] if usage.data.days else None
    if day is not None and "REVOKED" in day.refused and day.refused["REVOKED"] == 2:
        break
    time.sleep(0.05)
check(
    day is not None
    and day.uses == 6
    and day.refused["SCOPE_MISSING"] == 1
    and {a.ip for a in usage.data.addresses} == {"127.0.0.1", "203.0.113.10"},
    "its usage: today's uses, refusals by reason, two addresses",
)
print(f"python client round trip: {passed} passed, 0 failed")
