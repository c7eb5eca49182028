"""What `make loadtest`'s users act on, read from the kept bench database (run in a child process by manage.py loadtest).

`prepare(code, clerks, path)` gives the office `clerks` clerk accounts of the
load test (`load.clerk.N`) with a session each, as a login would leave it
(so the load is the desks, not password hashing), and writes the JSON that
tools/locustfile.py reads: the sessions, NIK prefixes and names to search,
queued NIKs to issue a Suket for, residents' lookups (NIK, birth date,
mother's name) and Suket numbers to check.
"""
import json

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore

from people.roles import Role
from printing.models import PrintJob
from registry.models import Enrollment, EnrollmentState, Office, TemporaryCertificate

SAMPLE = 500


def prepare(code: str, clerks: int, path: str) -> None:
    office = Office.objects.get(code=code)
    users = get_user_model().objects
    sessions = []
    for n in range(clerks):
        user, _ = users.get_or_create(username=f"load.clerk.{code}.{n}", defaults={"office": office, "role": Role.CLERK})
        session = SessionStore()
        session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: user.get_session_auth_hash()})
        session.create()
        sessions.append(session.session_key)
    records = Enrollment.objects.filter(office=office)
    queued = list(records.filter(state=EnrollmentState.QUEUED).order_by("-enrolled_on", "-id").values_list("nik", flat=True)[:SAMPLE])
    ready_names = list(PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED, collected_at__isnull=True)
                       .values_list("enrollment__name", flat=True)[:SAMPLE])
    lookups = [(nik, f"{born:%d-%m-%Y}", mother) for nik, born, mother in records.filter(state=EnrollmentState.QUEUED)
               .exclude(mother_name="").values_list("nik", "birth_date", "mother_name")[:SAMPLE]]
    data = {
        "office": code,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "clerk_sessions": sessions,
        "nik_prefixes": sorted({nik[:10] for nik in queued}),
        "names": sorted({name.split()[0] for name in ready_names}) or ["Yohanes"],
        "queued_niks": queued,
        "lookups": lookups,
        "suket_numbers": list(TemporaryCertificate.objects.filter(office=office).values_list("number", flat=True)[:SAMPLE]) or ["X"],
    }
    with open(path, "w") as out:
        json.dump(data, out)
    print(json.dumps({"clerks": len(sessions), "lookups": len(lookups)}))
