#!/usr/bin/env python3
"""Independent implementation of the Altcraft promo-code API (v72), written from
/work/shared/reference/altcraft-promocodes-facts.md only.

Where the docs are silent this server deliberately makes its own (non-obvious but
reasonable) choices, to probe a contract suite for over-assertion. Those choices are
marked "SILENT:" in comments.

Run:  ALTCRAFT_TOKEN=secret python server.py --port 18765   (--port 0: a free port, printed)

It is a test fixture of the contract suite (tests/contract/test_second_server.py), not
part of the product: the proof that the suite passes a second faithful implementation
whose choices in the docs' silent areas differ from mock_server's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

import defusedxml.ElementTree as DET

PREFIX = "/api/v1.1/promocodes/"
OPS = ("import", "get", "activate", "update", "attach", "detach", "export_all")

# ---------------------------------------------------------------- error codes
OK = (0, "Successful operation")
E_BAD = 400  # documented: Incorrect request
E_NO_TOKEN = 401  # documented: API token required
# SILENT: our own numbers and texts for everything undocumented
E_BAD_TOKEN = (1001, "Access denied: token is not valid")
E_FORMAT = (1002, "Unsupported response format")
E_NO_DB = (1005, "Database does not exist")
E_NO_PROFILE = (1006, "Profile was not found")
E_NO_LOYALTY = (1007, "Loyalty program does not exist")
E_CODE_TAKEN = (1010, "Promocode is attached to another profile and cannot be shared")
E_POOL_EMPTY = (1011, "Loyalty program has no free promocodes")
E_DETACH_NOCODE = (1012, "Promocode must be specified for detach")
E_NO_CODE = (1404, "Promocode does not exist")
E_DETACH_MULTI = (1014, "Promocode is attached to several profiles")
E_DETACH_OTHER = (1015, "Promocode is attached to a different profile")
E_NOT_ATTACHED = (1016, "Promocode is not attached to any profile")
E_UPDATE_EMPTY = (1018, "Nothing to update: pass activated and/or expire_date")
ITEM_DUP = (500, "Promocode duplicated")  # documented
ITEM_EMPTY = (1020, "Promocode is empty")


class ApiError(Exception):
    def __init__(self, code: int, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


def bad(text: str) -> ApiError:
    return ApiError(E_BAD, "Incorrect request: " + text)


def now_ts() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(s: str) -> datetime:
    if not RFC3339.match(s):
        raise ValueError(s)
    t = s.replace("z", "Z").replace("t", "T")
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    dt = datetime.fromisoformat(t.replace(" ", "T"))
    return dt.astimezone(UTC)


# ---------------------------------------------------------------- state
class Code:
    __slots__ = ("activated", "attachments", "code", "created", "expire_date", "seq")

    def __init__(self, code: str, seq: int):
        self.code = code
        self.created = now_ts()
        # list of (db_id, profile_id, attached_ts) in attach order
        self.attachments: list[tuple[int, str, str]] = []
        self.activated = ""  # "" when not activated
        self.expire_date = ""  # RFC 3339 normalised, "" when unset
        self.seq = seq


# SILENT: whether letter case or whitespace around a code matter. INDEP_CODE_IDENTITY=case-insensitive, trimmed
# or case-insensitive-trimmed compares codes so (a trailing-space-insensitive or case-insensitive collation): the
# code keeps the spelling it was first imported with; default: exact strings.
CODE_IDENTITY = os.environ.get("INDEP_CODE_IDENTITY") or "exact"
_FOLD = {
    "exact": lambda c: c,
    "case-insensitive": lambda c: c.lower(),
    "trimmed": lambda c: c.strip(),
    "case-insensitive-trimmed": lambda c: c.strip().lower(),
}[CODE_IDENTITY]


class Codes(dict):
    """Codes by their folded spelling (CODE_IDENTITY); each keeps its own."""

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and super().__contains__(_FOLD(code))

    def get(self, code, default=None):
        return super().get(_FOLD(code), default) if isinstance(code, str) else default

    def __setitem__(self, code: str, value: Code) -> None:
        super().__setitem__(_FOLD(code), value)


class Program:
    def __init__(self, pid: int, universal: bool):
        self.id = pid
        self.universal = universal
        self.codes: dict[str, Code] = Codes()
        self.seq = 0

    def add(self, code: str) -> Code:
        self.seq += 1
        c = Code(code, self.seq)
        self.codes[code] = c
        return c


class State:
    def __init__(self):
        self.lock = threading.RLock()
        # db_id -> list of profile dicts
        self.dbs: dict[int, list[dict]] = {
            1: [
                {
                    "profile_id": "65a1f0c2e4b0a1b2c3d4e5f1",
                    "email": "alice@example.com",
                    "phone": "+79000000001",
                    "custom": {"CRM_ID": "A-1001"},
                },
                {
                    "profile_id": "65a1f0c2e4b0a1b2c3d4e5f2",
                    "email": "bob@example.com",
                    "phone": "+79000000002",
                    "custom": {"CRM_ID": "B-2002"},
                },
                {
                    "profile_id": "65a1f0c2e4b0a1b2c3d4e5f3",
                    "email": "carol@example.com",
                    "phone": "+79000000003",
                    "custom": {"CRM_ID": "C-3003"},
                },
            ],
            2: [
                {
                    "profile_id": "77b2aa00e4b0a1b2c3d4e501",
                    "email": "alice@example.com",
                    "phone": "+79990000001",
                    "custom": {"CRM_ID": "X-9001"},
                },
            ],
        }
        self.programs: dict[int, Program] = {
            11: Program(11, universal=False),
            12: Program(12, universal=True),
            13: Program(13, universal=False),
        }
        for i in range(1, 7):
            self.programs[11].add(f"IND-P11-{i:03d}")
        for i in range(1, 5):
            self.programs[12].add(f"IND-U12-{i:03d}")
        ts = now_ts()
        for i, p in enumerate(self.dbs[1]):
            c = self.programs[13].add(f"IND-X13-{i + 1:03d}")
            c.attachments.append((1, p["profile_id"], ts))


STATE = State()
TOKEN = os.environ.get("ALTCRAFT_TOKEN") or "indep-token"
# SILENT: the docs never name the XML response media type; text/xml is our default.
# INDEP_XML_CTYPE=application/xml switches it (used to unmask other suite findings).
XML_CTYPE = os.environ.get("INDEP_XML_CTYPE") or "text/xml; charset=utf-8"
# SILENT: by default JSON null and "" (XML <x/>) mean "parameter not given".
# INDEP_STRICT_EMPTY=1 instead rejects null as a wrong type and keeps "" as a value.
STRICT_EMPTY = bool(os.environ.get("INDEP_STRICT_EMPTY"))
# Matching page: a custom field value may be an int or a string, so ints are accepted.
# INDEP_FV_STRING_ONLY=1 rejects a non-string field_value (attach/detach table says string).
FV_ALLOW_INT = not os.environ.get("INDEP_FV_STRING_ONLY")
# INDEP_IGNORE_UNUSED=1: identifiers that the chosen matching mode does not use are not
# type-checked at all (a plausible real-server behaviour; the docs say nothing).
IGNORE_UNUSED = bool(os.environ.get("INDEP_IGNORE_UNUSED"))
# INDEP_PROBE2=1: a second set of alternative choices where the docs are silent
# (same-profile re-attach refused, random pool draw, detach clears activation,
# re-activation refused, get names the FIRST holder, attach by email creates a missing
# profile, update cannot activate a free code, detach of a free code is a no-op success,
# <x/> for empty values, export_all sorted by code).
PROBE2 = bool(os.environ.get("INDEP_PROBE2"))
HTTP_STATUS = bool(os.environ.get("INDEP_HTTP_STATUS"))
# SILENT: the docs show no refused request's answer; INDEP_ERROR_NO_DATA=1 leaves `data` out of it.
ERROR_NO_DATA = bool(os.environ.get("INDEP_ERROR_NO_DATA"))
# INDEP_READINGS=1: the other side of the docs' contradictions (facts sheet section 9), where the spec takes a
# stance: without `matching` the identifier given decides (email first, else profile_id as the 2020 examples
# send it, else phone, else custom); `format` may be an integer (typed int on get/activate/update/export_all;
# an integer asks for the default, JSON); `matching: email_profile` (the RU attach page) is email.
# A comma-separated list picks some of them (matching, format, email_profile); "1" means all.
_READINGS = {r.strip() for r in (os.environ.get("INDEP_READINGS") or "").split(",") if r.strip()}
READINGS = frozenset({"matching", "format", "email_profile"} if "1" in _READINGS else _READINGS)
# The RU attach page's program setting ("if creating new codes is allowed"): INDEP_NO_CREATE=11,12 names the
# programs that do not create codes (an unknown code is not imported by attach, an empty pool stays empty);
# INDEP_CREATE_ON_EMPTY=1 lets every other program create a code when attach finds no free one (the RU reading).
NO_CREATE = frozenset(int(p) for p in (os.environ.get("INDEP_NO_CREATE") or "").split(",") if p.strip())
CREATE_ON_EMPTY = bool(os.environ.get("INDEP_CREATE_ON_EMPTY"))
E_NOT_CREATED = (1405, "Promocode does not exist and the loyalty program may not create promocodes")
E_SAME_PROFILE = (1021, "Promocode is already attached to this profile")
E_ALREADY_ACTIVE = (1022, "Promocode is already activated")


# ---------------------------------------------------------------- param helpers
def p_int(params: dict, name: str, required: bool = True):
    if STRICT_EMPTY and name in params and params[name] is None:
        raise bad(f"parameter '{name}' must be an integer, not null")
    if name not in params or params[name] is None:
        if required:
            raise bad(f"parameter '{name}' is required")
        return None
    v = params[name]
    if isinstance(v, bool):
        raise bad(f"parameter '{name}' must be an integer")
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        # SILENT: 11.0 is accepted as 11
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"\s*[+-]?\d{1,18}\s*", v):
        # SILENT: numeric strings are accepted for integer params (docs show "1")
        return int(v)
    raise bad(f"parameter '{name}' must be an integer")


def p_str(params: dict, name: str, required: bool = False, allow_int: bool = False):
    if STRICT_EMPTY and name in params and params[name] is None:
        raise bad(f"parameter '{name}' must be a string, not null")
    v = params.get(name)
    if v is None:
        if required:
            raise bad(f"parameter '{name}' is required")
        return None
    if allow_int and isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str):
        raise bad(f"parameter '{name}' must be a string")
    if v == "" and not STRICT_EMPTY:
        # SILENT: an empty string counts as "not given"
        if required:
            raise bad(f"parameter '{name}' must not be empty")
        return None
    return v


def p_bool(params: dict, name: str, from_xml: bool):
    if STRICT_EMPTY and name in params and params[name] is None:
        raise bad(f"parameter '{name}' must be a boolean, not null")
    v = params.get(name)
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and from_xml:
        if v.strip().lower() in ("true", "1"):
            return True
        if v.strip().lower() in ("false", "0"):
            return False
    raise bad(f"parameter '{name}' must be a boolean")


def program(lid: int) -> Program:
    prog = STATE.programs.get(lid)
    if prog is None:
        raise ApiError(*E_NO_LOYALTY)
    return prog


def find_profile(params: dict) -> tuple[int, dict]:
    db_id = p_int(params, "db_id")
    matching = p_str(params, "matching")
    if matching is None and "matching" in READINGS:
        # CONTRADICTION: the 2020 examples send profile_id without matching; the Matching page says email
        given = [m for m in ("email", "profile_id", "phone") if p_str(params, m) is not None]
        custom = p_str(params, "field_name") is not None
        matching = given[0] if given else "custom" if custom else "email"
    if matching is None:
        matching = "email"  # documented default (Matching page)
    if "email_profile" in READINGS and matching == "email_profile":
        matching = "email"  # CONTRADICTION: the RU attach page adds email_profile (the profile only, no subscriptions)
    if matching not in ("profile_id", "email", "phone", "custom"):
        raise bad(f"unknown matching mode '{matching}'")
    if matching == "custom":
        fname = p_str(params, "field_name", required=True)
        fval = p_str(params, "field_value", required=True, allow_int=FV_ALLOW_INT)
    else:
        ident = p_str(params, matching, required=True)
    # type-check the other optional identifiers too
    if not IGNORE_UNUSED:
        for other in ("profile_id", "email", "phone", "field_name"):
            p_str(params, other)
        p_str(params, "field_value", allow_int=FV_ALLOW_INT)
    profiles = STATE.dbs.get(db_id)
    if profiles is None:
        raise ApiError(*E_NO_DB)
    for prof in profiles:
        if matching == "custom":
            if fname in prof["custom"] and str(prof["custom"][fname]) == fval:
                return db_id, prof
        elif matching == "email":
            # SILENT: email comparison is case-insensitive
            if prof["email"].lower() == ident.lower():
                return db_id, prof
        elif prof[matching] == ident:
            return db_id, prof
    if PROBE2 and matching == "email":
        prof = {"profile_id": f"{random.getrandbits(96):024x}", "email": ident, "phone": "", "custom": {}}
        profiles.append(prof)
        return db_id, prof
    raise ApiError(*E_NO_PROFILE)


# ---------------------------------------------------------------- operations
def op_import(params, from_xml):
    lid = p_int(params, "loyalty_id")
    codes = params.get("codes")
    if codes is None:
        raise bad("parameter 'codes' is required")
    if isinstance(codes, str) and from_xml:
        codes = [codes]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise bad("parameter 'codes' must be an array of strings")
    prog = program(lid)
    items, ins, dup = [], 0, 0
    for c in codes:
        if c == "":
            e = ITEM_EMPTY
        elif c in prog.codes:
            e = ITEM_DUP
            dup += 1
        else:
            prog.add(c)
            e = (0, "")
            ins += 1
        items.append({"error_text": e[1], "error": e[0], "code": c})
    extra = {"inserted": ins, "duplicated": dup, "discarded_by_limit": 0}
    return items, extra


def get_code(params) -> tuple[Program, Code]:
    lid = p_int(params, "loyalty_id")
    code = p_str(params, "code", required=True)
    prog = program(lid)
    c = prog.codes.get(code)
    if c is None:
        raise ApiError(*E_NO_CODE)
    return prog, c


def is_expired(c: Code) -> bool:
    if not c.expire_date:
        return False
    return parse_rfc3339(c.expire_date) <= datetime.now(UTC)


def op_get(params, from_xml):
    prog, c = get_code(params)
    exp = is_expired(c)
    d = {
        "loyalty_id": prog.id,
        "code": c.code,
        "is_expired": exp,
        "is_activated": bool(c.activated),
        "is_attached": bool(c.attachments),
        "expire_date": c.expire_date,
        # SILENT: 'expired' = the moment the code expired, "" while it has not
        "expired": c.expire_date if exp else "",
        "activated": c.activated,
        "attached": c.attachments[0][2] if c.attachments else "",
        "created": c.created,
    }
    if c.attachments:
        # SILENT: universal code on several profiles -> the latest attachment
        db_id, pid, _ = c.attachments[0 if PROBE2 else -1]
        d["profile_id"] = pid
        d["database_id"] = db_id
    return d, {}


def op_activate(params, from_xml):
    _, c = get_code(params)
    if not c.attachments:
        raise ApiError(*E_NOT_ATTACHED)  # documented caution
    if c.activated and PROBE2:
        raise ApiError(*E_ALREADY_ACTIVE)
    if not c.activated:  # SILENT: re-activation is a no-op success
        c.activated = now_ts()
    return None, {}


def op_update(params, from_xml):
    p_int(params, "loyalty_id")
    p_str(params, "code", required=True)
    act = p_bool(params, "activated", from_xml)
    if STRICT_EMPTY and "expire_date" in params and params["expire_date"] is None:
        raise bad("parameter 'expire_date' must be a string, not null")
    exp = params.get("expire_date")
    if exp is not None:
        if not isinstance(exp, str):
            raise bad("parameter 'expire_date' must be an RFC 3339 string")
        if exp != "":
            try:
                exp_dt = parse_rfc3339(exp)
            except ValueError:
                raise bad("parameter 'expire_date' must be an RFC 3339 date-time") from None
    if act is None and exp is None:
        raise ApiError(*E_UPDATE_EMPTY)  # documented rule; number is ours
    _, c = get_code(params)
    if PROBE2 and act is True and not c.attachments:
        raise ApiError(*E_NOT_ATTACHED)
    if exp is not None:
        # SILENT: "" clears the expiry date
        c.expire_date = "" if exp == "" else exp_dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if act is True and not c.activated:
        # SILENT: update may activate an unattached code (activate may not)
        c.activated = now_ts()
    elif act is False:
        c.activated = ""
    return None, {}


def op_attach(params, from_xml):
    lid = p_int(params, "loyalty_id")
    code = p_str(params, "code")
    db_id, prof = find_profile(params)
    prog = program(lid)
    pid = prof["profile_id"]
    if code is None:
        free = [c for c in prog.codes.values() if not c.attachments]
        if not free and CREATE_ON_EMPTY and prog.id not in NO_CREATE:
            # RU: "a code from the loyalty program is attached if there are free codes or creating new codes is allowed"
            free = [prog.add(f"IND-NEW-{prog.id}-{prog.seq + 1:04d}")]
        if not free:
            raise ApiError(*E_POOL_EMPTY)
        # SILENT: the pool draw picks the NEWEST free code
        c = random.choice(free) if PROBE2 else max(free, key=lambda x: x.seq)
    else:
        c = prog.codes.get(code)
        if c is None and prog.id in NO_CREATE:
            raise ApiError(*E_NOT_CREATED)  # RU: attached only "if creating new codes is allowed"
        if c is None:
            c = prog.add(code)  # documented: imported and attached
    holders = {(d, p) for d, p, _ in c.attachments}
    if (db_id, pid) in holders:
        if PROBE2:
            raise ApiError(*E_SAME_PROFILE)
        return None, {}  # SILENT: idempotent re-attach
    if c.attachments and not prog.universal:
        raise ApiError(*E_CODE_TAKEN)  # documented rule; number is ours
    c.attachments.append((db_id, pid, now_ts()))
    return None, {}


def op_detach(params, from_xml):
    lid = p_int(params, "loyalty_id")
    code = p_str(params, "code")
    db_id, prof = find_profile(params)
    if code is None:
        raise ApiError(*E_DETACH_NOCODE)  # documented rule; number is ours
    prog = program(lid)
    c = prog.codes.get(code)
    if c is None:
        raise ApiError(*E_NO_CODE)
    if not c.attachments:
        if PROBE2:
            return None, {}
        raise ApiError(*E_NOT_ATTACHED)
    if len(c.attachments) > 1:
        raise ApiError(*E_DETACH_MULTI)  # documented rule
    d, p, _ = c.attachments[0]
    if (d, p) != (db_id, prof["profile_id"]):
        raise ApiError(*E_DETACH_OTHER)
    c.attachments.clear()
    if PROBE2:
        c.activated = ""
    # SILENT: the activation mark survives a detach
    return None, {}


def op_export_all(params, from_xml):
    prog = program(p_int(params, "loyalty_id"))
    out = []
    # SILENT: newest code first
    for c in sorted(prog.codes.values(), key=(lambda x: x.code) if PROBE2 else (lambda x: -x.seq)):
        item = {}
        if c.activated:
            item["activated"] = c.activated
        if c.attachments:
            item["attached"] = c.attachments[0][2]
        item["code"] = c.code
        out.append(item)
    return out, {}


HANDLERS = {
    "import": op_import,
    "get": op_get,
    "activate": op_activate,
    "update": op_update,
    "attach": op_attach,
    "detach": op_detach,
    "export_all": op_export_all,
}


# ---------------------------------------------------------------- encoding
def xml_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return xml_escape(str(v))


def xml_elem(name: str, v) -> str:
    if isinstance(v, dict):
        return f"<{name}>" + "".join(xml_elem(k, x) for k, x in v.items()) + f"</{name}>"
    if isinstance(v, list):
        return "".join(xml_elem(name, x) for x in v)
    # SILENT: empty string / null written as <x></x>, not <x/>
    text = xml_value(v)
    if PROBE2 and text == "":
        return f"<{name}/>"
    return f"<{name}>{text}</{name}>"


def render(fmt: str, code: int, text: str, data, extra: dict) -> tuple[bytes, str]:
    # SILENT: key order differs from the docs' examples
    env = {"error": code, "error_text": text}
    env.update(extra)
    if code == 0 or not ERROR_NO_DATA:
        env["data"] = data
    if fmt == "xml":
        body = "<xml>" + "".join(xml_elem(k, v) for k, v in env.items()) + "</xml>"
        if data is None:
            pass  # xml_elem wrote <data></data>
        return body.encode("utf-8"), XML_CTYPE
    return (json.dumps(env, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def parse_xml(raw: bytes) -> dict:
    root = DET.fromstring(raw)
    # SILENT: any root element name is accepted
    out: dict = {}
    for child in root:
        if len(child):
            raise bad(f"element <{child.tag}> must not have children")
        val = child.text or ""
        if child.tag in out:
            prev = out[child.tag]
            out[child.tag] = (prev if isinstance(prev, list) else [prev]) + [val]
        else:
            out[child.tag] = val
    return out


# ---------------------------------------------------------------- HTTP
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "indep-promo/1.0"

    def log_message(self, fmt, *args):
        if os.environ.get("INDEP_LOG"):
            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    def __getattr__(self, name):
        # every method other than POST (incl. QUERY, PATCH, ...) -> 405
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status: int, body: bytes, ctype: str, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_allowed(self):
        self._read_body()
        self._send(405, b"Method Not Allowed\n", "text/plain; charset=utf-8", [("Allow", "POST")])

    def do_POST(self):
        raw = self._read_body()
        url = urlsplit(self.path)
        if not url.path.startswith(PREFIX) or url.path[len(PREFIX) :].rstrip("/") not in OPS:
            self._send(404, b"Not Found\n", "text/plain; charset=utf-8")
            return
        op = url.path[len(PREFIX) :].rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        fmt = "json"
        try:
            code, text, data, extra = self._dispatch(op, raw, query)
            fmt = self._fmt
        except ApiError as e:
            code, text, data, extra = e.code, e.text, None, {}
            fmt = getattr(self, "_fmt", "json")
        body, ctype = render(fmt, code, text, data, extra)
        # INDEP_HTTP_STATUS=1: mirror 400/401 envelope errors in the HTTP status (the docs'
        # sentence on HTTP 200 vs error is cut off, facts sheet section 5). Default: always 200.
        status = code if HTTP_STATUS and code in (400, 401) else 200
        self._send(status, body, ctype)

    def _dispatch(self, op, raw, query):
        self._fmt = "json"
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        from_xml = False
        # format from the URL first, so a parse error can still be answered in XML
        qfmt = query.get("format")
        if isinstance(qfmt, str) and qfmt.lower() in ("json", "xml"):
            self._fmt = qfmt.lower()
        if ctype in ("application/xml", "text/xml") or ctype.endswith("+xml"):
            from_xml = True
            try:
                params = parse_xml(raw)
            except ApiError:
                raise
            except Exception:
                raise bad("malformed XML body") from None
        elif ctype in ("application/json", "") or ctype.endswith("+json"):
            if not raw.strip():
                params = {}
            else:
                try:
                    params = json.loads(raw.decode("utf-8"))
                except Exception:
                    raise bad("malformed JSON body") from None
            if not isinstance(params, dict):
                raise bad("the body must be a JSON object")
        else:
            raise bad(f"unsupported Content-Type '{ctype}'")
        for k in ("token", "format"):
            if k not in params and k in query:
                params[k] = query[k]
        if STRICT_EMPTY:
            for k in ("format", "token"):
                if k in params and params[k] is None:
                    raise bad(f"parameter '{k}' must be a string, not null")
        fmt = params.get("format")
        if isinstance(fmt, str) and fmt.lower() in ("json", "xml"):
            self._fmt = fmt.lower()
        token = params.get("token")
        if token is None or token == "":
            auth = self.headers.get("Authorization") or ""
            if auth[:7].lower() == "bearer ":
                token = auth[7:].strip()
        if token is None or token == "":
            raise ApiError(E_NO_TOKEN, "API token required")
        if not isinstance(token, str):
            raise bad("parameter 'token' must be a string")
        if token != TOKEN:
            raise ApiError(*E_BAD_TOKEN)
        if "format" in READINGS and isinstance(fmt, str) and from_xml and fmt.strip().isdigit():
            fmt = int(fmt)  # XML carries no types: the integer's text
        if "format" in READINGS and isinstance(fmt, int) and not isinstance(fmt, bool):
            fmt = None  # CONTRADICTION: format is typed int on four pages; an integer asks for the default
        if fmt is not None:
            if not isinstance(fmt, str):
                raise bad("parameter 'format' must be a string")
            if fmt.lower() not in ("json", "xml"):
                raise ApiError(*E_FORMAT)
        with STATE.lock:
            data, extra = HANDLERS[op](params, from_xml)
        return OK[0], OK[1], data, extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18765)
    a = ap.parse_args()
    if os.environ.get("INDEP_SEED"):  # test harness: the random pool draw and new profile ids repeat per seed
        random.seed(os.environ["INDEP_SEED"])
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    host, port = srv.server_address[:2]
    print(f"indep promo server on http://{host}:{port} (token from ALTCRAFT_TOKEN)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        srv.serve_forever()


if __name__ == "__main__":
    main()
