"""Realistic demo data: SIAK-shaped CSV files with valid NIKs, for seed_demo and make bench."""
import csv
import random
from datetime import date, timedelta

FIRST_NAMES = {
    "L": ["Yohanes", "Agustinus", "Marthen", "Yosef", "Dominggus", "Ahmad", "Budi", "Dedi", "Eko", "Fransiskus",
          "Hendrik", "Imanuel", "Joko", "Kornelis", "Muhammad", "Nikolaus", "Petrus", "Rudi", "Slamet", "Wahyu"],
    "P": ["Maria", "Yuliana", "Agustina", "Theresia", "Siti", "Dewi", "Fransiska", "Katarina", "Lestari", "Margaretha",
          "Nur", "Ratna", "Sri", "Veronika", "Wulan", "Yohana", "Rina", "Ani", "Elisabeth", "Magdalena"],
}
LAST_NAMES = ["Ndoen", "Mangi", "Tefa", "Manafe", "Fanggidae", "Bessie", "Lay", "Nalle", "Pah", "Riwu", "Saputra",
              "Hidayat", "Kurniawan", "Santoso", "Setiawan", "Wijaya", "Pratama", "Nugroho", "Lubis", "Siregar"]
PLACES = {
    "5371": {"Alak": ["Alak", "Namosain", "Penkase Oeleta"], "Maulafa": ["Maulafa", "Penfui", "Oepura"],
             "Oebobo": ["Oebobo", "Fatululi", "Oetete"], "Kelapa Lima": ["Kelapa Lima", "Oesapa", "Lasiana"],
             "Kota Raja": ["Naikoten I", "Fontein", "Airnona"], "Kota Lama": ["Solor", "Merdeka", "Oeba"]},
    "3603": {"Balaraja": ["Talagasari", "Saga", "Sentul"], "Cikupa": ["Cikupa", "Bojong", "Talaga"],
             "Curug": ["Curug Kulon", "Kadu", "Binong"], "Kelapa Dua": ["Bencongan", "Pakulonan Barat", "Kelapa Dua"],
             "Pasar Kemis": ["Sukaasih", "Kutabaru", "Sindangsari"], "Tigaraksa": ["Tigaraksa", "Pasir Bolang", "Cisereh"]},
}
BIRTH_PLACES = {"5371": ["Kupang", "Soe", "Atambua", "Kefamenanu", "Rote", "Sabu"],
                "3603": ["Tangerang", "Jakarta", "Serang", "Bogor", "Lebak", "Pandeglang"]}
# nama_ibu (optional in SIAK files) sits before tanggal_rekam, which stays last.
HEADER = ["nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
          "kelurahan", "kecamatan", "nama_ibu", "tanggal_rekam"]


def _nik(code, sub, birth, sex, serial):
    day = birth.day + (40 if sex == "P" else 0)
    return f"{code}{sub:02d}{day:02d}{birth:%m%y}{serial:04d}"


def demo_rows(office_code, count, *, seed=1, first=date(2016, 1, 4), last=date(2018, 6, 29), reenroll_share=0.02):
    """Yield `count` CSV rows for one office; about `reenroll_share` of residents enrolled twice."""
    rng = random.Random(f"{office_code}-{seed}")
    # Mothers from a generator of their own: the rest of the rows stay what they were before nama_ibu.
    mothers = random.Random(f"{office_code}-{seed}-ibu")
    places = PLACES.get(office_code) or {"Kota": ["Kota"]}
    births = BIRTH_PLACES.get(office_code) or ["-"]
    span = (last - first).days
    serial = 0
    made = 0
    while made < count:
        sex = rng.choice("LP")
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        serial += 1
        subdistrict = rng.choice(sorted(places))
        sub_index = sorted(places).index(subdistrict) + 1
        nik = _nik(office_code, sub_index, birth, sex, serial % 10000)
        enrolled = first + timedelta(days=rng.randrange(span))
        row = [nik, f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)}", rng.choice(births),
               birth.isoformat(), sex, f"Jl. {rng.choice(LAST_NAMES)} No. {rng.randrange(1, 200)}",
               f"{rng.randrange(1, 30):03d}", f"{rng.randrange(1, 12):03d}", rng.choice(places[subdistrict]),
               subdistrict, f"{mothers.choice(FIRST_NAMES['P'])} {mothers.choice(LAST_NAMES)}", enrolled.isoformat()]
        yield row
        made += 1
        if made < count and rng.random() < reenroll_share:
            # Waited too long and enrolled again: same NIK, a later date (pendobelan).
            again = enrolled + timedelta(days=rng.randrange(60, 400))
            if again <= last:
                yield row[:-1] + [again.isoformat()]
                made += 1


def write_demo_csv(path, office_code, count, **kwargs):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(demo_rows(office_code, count, **kwargs))
    return path
