#!/usr/bin/env python3
"""Seeds a running medsync-server for scripts/loadtest through its HTTP API only.

Usage: seed.py BASE_URL OUT.lua   (admin login from LT_ADMIN_EMAIL / LT_ADMIN_PASSWORD)

Creates, as the configured first admin:
  - 4 "clinic" doctors: Mon-Fri 09:00-17:00 America/New_York, 30-minute slots, 10-minute
    buffer (the demo clinic's shape) -- the slot-search scenario reads their calendars;
  - 8 "list" patients with 20 pending appointments each at those doctors (booked through
    free slots) -- the listing scenario reads them (one page of 20);
  - LT_BOOKERS (default 32) booking doctors, open every day 00:00-23:59 UTC (15-minute slots,
    no buffer), each with LT_CHARTS (default 64) patient charts it created (so it is on their
    care team and may book for them), for the booking scenario: the doctor books its own
    calendar, slot after slot, for its charts in turn, so starts never overlap and each chart
    holds only a few appointments (a realistic calendar; see the scenario's notes);
  - one account the login scenario logs into.
Writes OUT.lua, a Lua table the wrk scenarios load (tokens, ids, reference times).
Standard library only (a fresh Debian has python3).
"""

import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

BASE = sys.argv[1].rstrip("/")
OUT = sys.argv[2]
PASSWORD = "copper willow tundra beacon"
BOOKERS = int(os.environ.get("LT_BOOKERS", "32"))
CHARTS = int(os.environ.get("LT_CHARTS", "64"))
CLINIC_DOCTORS = 4
LIST_PATIENTS = 8
LIST_APPOINTMENTS = 20
RUN = os.environ.get("LT_RUN_ID", str(os.getpid()))


def call(method, path, body=None, token=None, expect=(200, 201)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    if status not in expect:
        raise SystemExit(f"seed: {method} {path} -> {status}: {raw[:400]!r}")
    return json.loads(raw) if raw else None


def login(email):
    return call("POST", "/api/auth/login", {"email": email, "password": PASSWORD})["access_token"]


def register(kind, i, role):
    body = {
        "name": f"Load {kind} {i}",
        "email": f"lt-{RUN}-{kind}-{i}@load.example",
        "password": PASSWORD,
        "role": role,
    }
    if role == "doctor":
        body["specialization"] = "Load testing"
    return call("POST", "/api/auth/register", body)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    admin = call(
        "POST",
        "/api/auth/login",
        {"email": os.environ["LT_ADMIN_EMAIL"], "password": os.environ["LT_ADMIN_PASSWORD"]},
    )["access_token"]
    pool = ThreadPoolExecutor(max_workers=4)  # argon2 runs 2 at a time on 2 cores anyway

    jobs = (
        [("clinic", i, "doctor") for i in range(CLINIC_DOCTORS)]
        + [("bookdoc", i, "doctor") for i in range(BOOKERS)]
        + [("listpat", i, "patient") for i in range(LIST_PATIENTS)]
        + [("login", 0, "patient")]
    )
    users = dict(zip([(k, i) for k, i, _ in jobs], pool.map(lambda j: register(*j), jobs)))

    def activate(key, availability):
        uid = users[key]["id"]
        call("PATCH", f"/api/admin/users/{uid}", {"status": "active"}, admin)
        call("PUT", f"/api/doctors/{uid}/availability", availability, admin)

    clinic_hours = {
        "timezone": "America/New_York",
        "weekly": [
            {"day": d, "start": "09:00", "end": "17:00"}
            for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
        ],
        "slot_minutes": 30,
        "buffer_minutes": 10,
    }
    always = {
        "timezone": "UTC",
        "weekly": [
            {"day": d, "start": "00:00", "end": "23:59"}
            for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        ],
        "slot_minutes": 15,
        "buffer_minutes": 0,
    }
    list(pool.map(lambda i: activate(("clinic", i), clinic_hours), range(CLINIC_DOCTORS)))
    list(pool.map(lambda i: activate(("bookdoc", i), always), range(BOOKERS)))

    login_keys = (
        [("listpat", i) for i in range(LIST_PATIENTS)]
        + [("bookdoc", i) for i in range(BOOKERS)]
        + [("login", 0)]
    )
    tokens = dict(zip(login_keys, pool.map(lambda k: login(users[k]["email"]), login_keys)))

    def charts_of(i):
        token = tokens[("bookdoc", i)]
        return [
            call("POST", "/api/patients", {"name": f"Load chart {i}-{c}"}, token, expect=(201,))["id"]
            for c in range(CHARTS)
        ]

    charts = list(pool.map(charts_of, range(BOOKERS)))

    # List patients p and p+4 share clinic doctor p % 4 and take its free slots alternately.
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0)
    per_doctor = LIST_PATIENTS // CLINIC_DOCTORS

    def book_list_patients(c):
        doctor = users[("clinic", c)]["id"]
        slots = call(
            "GET",
            f"/api/doctors/{doctor}/slots?from={iso(tomorrow)}&to={iso(tomorrow + dt.timedelta(days=28))}",
            token=admin,
        )
        need = per_doctor * LIST_APPOINTMENTS
        if len(slots) < need:
            raise SystemExit(f"seed: clinic doctor {c} has only {len(slots)} free slots")
        for j, s in enumerate(slots[:need]):
            patient = ("listpat", c + CLINIC_DOCTORS * (j % per_doctor))
            body = {"doctor_id": doctor, "start": s["start"], "end": s["end"]}
            call("POST", "/api/appointments", body, tokens[patient], expect=(201,))

    list(pool.map(book_list_patients, range(CLINIC_DOCTORS)))

    def lua_list(xs):
        return "{" + ", ".join(json.dumps(x) for x in xs) + "}"

    bookers = ",\n    ".join(
        "{doctor = %s, token = %s, charts = %s}"
        % (json.dumps(users[("bookdoc", i)]["id"]), json.dumps(tokens[("bookdoc", i)]), lua_list(charts[i]))
        for i in range(BOOKERS)
    )
    epoch = int(tomorrow.timestamp())
    with open(OUT, "w") as f:
        f.write(
            "-- Written by scripts/loadtest.d/seed.py; loaded by the wrk scenarios.\n"
            "return {\n"
            f"  clinic_doctors = {lua_list([users[('clinic', i)]['id'] for i in range(CLINIC_DOCTORS)])},\n"
            f"  list_tokens = {lua_list([tokens[('listpat', i)] for i in range(LIST_PATIENTS)])},\n"
            f"  slot_from = {json.dumps(iso(tomorrow))},\n"
            f"  slot_to = {json.dumps(iso(tomorrow + dt.timedelta(days=7)))},\n"
            f"  book_day0 = {epoch},\n"
            f"  bookers = {{\n    {bookers}\n  }},\n"
            f"  login_body = {json.dumps(json.dumps({'email': users[('login', 0)]['email'], 'password': PASSWORD}))},\n"
            "}\n"
        )
    print(
        f"seeded {CLINIC_DOCTORS} clinic doctors, {LIST_PATIENTS} patients x "
        f"{LIST_APPOINTMENTS} appointments, {BOOKERS} booking doctors x {CHARTS} charts"
    )


main()
