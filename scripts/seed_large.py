"""Seed a large branch for the review benchmark: by default 1,000,000 visits and 3,000,000 photo rows.

    .venv/bin/python scripts/seed_large.py --database sqlite:///instance/bench-1m.sqlite3 --visits 1000000
    make seed-large     # both benchmark databases: 10 thousand and 1 million visits

Never the demo database: the target is given by --database (or DATABASE_URL), must not be the demo's file,
and must be empty (or --replace, for a SQLite file, starts it anew). The schema comes from the Alembic
migrations, so the benchmark runs on the indexes a deployed database has.

The branch: 20 sub-branches, 5 teams each, 8 managers and a lead per team (900 people), 500 merchants per
sub-branch. Visits arrive at a steady 1,000 a day going back from now, so a bigger database is a longer
history of the same branch: 10 thousand visits are the last 10 days, a million the last 2.7 years. Each visit
has its version row, 3 photo rows (no files: the benchmark never fetches an image), flags on about 8% of
visits, and a review history like a working branch's: older visits decided (approved, some sent back and
resubmitted, a few rejected), the last two weeks partly, the last two days not yet. About a quarter of the
effective visits record an application. The metric facts and monthly roll-ups the visit write path would have
kept are then built in one pass (webapp.metrics.backfill), and every team gets targets for the newest day and
month, every sub-branch its month's targets (the meeting-board benchmark, bench/meeting_boards.py).
Rows are written with SQLAlchemy Core executemany inserts in batches, never ORM objects one by one.
Deterministic: the same --seed and --visits give the same rows (times are relative to --now).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

SUB_BRANCHES = 20
TEAMS_PER_SUB_BRANCH = 5
MANAGERS_PER_TEAM = 8
MERCHANTS_PER_SUB_BRANCH = 500
VISITS_PER_DAY = 1000
PHOTOS_PER_VISIT = 3
BATCH = 5000
PASSWORD = "fieldwork-demo"
HANGZHOU = (30.2741, 120.1636)
BANK_ZONE = ZoneInfo("Asia/Shanghai")
STREETS = ("延安路", "湖墅南路", "文一路", "凤起路", "解放路", "庆春路", "中山北路", "教工路")
TRADES = ("面馆", "五金", "水果店", "服装批发", "便利店", "粮油店", "茶叶店", "汽修", "药房", "烟酒店")
NOTES = ("老板有扩店打算，库存充足", "店员三人，客流一般", "新开分店在装修", "库存偏少，资金周转紧",
         "经营正常，按时还款", "门头更换，营业执照已更新")
DEVICES = ("Xiaomi 23127PN0CC", "HUAWEI ALN-AL00", "OPPO PHW110", "vivo V2309A", "Apple iPhone 13")
FLAG_CODES = ("outside_geofence", "low_accuracy", "clock_skew", "photo_old", "photo_exif_far", "photo_reused",
              "squad_not_copresent", "impossible_travel")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"),
                        help="target database URL (default: DATABASE_URL); never the demo database")
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--now", default=None, help="the newest visit's time (ISO 8601; default: now)")
    parser.add_argument("--replace", action="store_true", help="delete an existing SQLite file first")
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("give --database (or DATABASE_URL): a separate database, never the demo's")
    return args


def refuse_demo_database(url: sa.URL) -> None:
    from webapp.config import default_config

    demo = sa.make_url(default_config(str(ROOT / "instance"))["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and demo.database and \
            Path(url.database).resolve() == Path(demo.database).resolve():
        raise SystemExit("refusing to seed the demo database; give another file, e.g. instance/bench-1m.sqlite3")


def fresh_uuid(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator (uuid.UUID(...) is three times slower)."""
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy would store on SQLite: naive UTC text for aware times, JSON text for dicts and lists."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def batched(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Seeder:
    def __init__(self, conn: sa.Connection, rng: random.Random, now: datetime) -> None:
        self.conn, self.rng, self.now = conn, rng, now
        self.meta = sa.MetaData()
        self.meta.reflect(bind=conn)
        self.t = self.meta.tables
        self.counts: dict[str, int] = {}

    def insert(self, table: str, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
        """Core inserts in batches; on SQLite the DB-API's executemany with values already in SQLAlchemy's
        storage format (UTC text times, JSON text), because type processing per value would dominate."""
        for batch in batched(iter(rows)):
            if self.conn.dialect.name == "sqlite":
                columns = list(batch[0])
                sql = (f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
                       f'VALUES ({", ".join("?" for _ in columns)})')
                self.conn.exec_driver_sql(sql, [tuple(_sqlite_value(row[c]) for c in columns) for row in batch])
            else:
                self.conn.execute(self.t[table].insert(), batch)
            self.counts[table] = self.counts.get(table, 0) + len(batch)

    # --- organisation, people, merchants -------------------------------------------------------------

    def organisation(self) -> None:
        from werkzeug.security import generate_password_hash

        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:600000")
        self.insert("branch", [{"id": 1, "code": "HZ", "name": "杭州分行"}])
        self.insert("sub_branch", [{"id": s, "branch_id": 1, "code": f"A{s}", "name": f"第{s}支行"}
                                   for s in range(1, SUB_BRANCHES + 1)])
        teams = [{"id": (s - 1) * TEAMS_PER_SUB_BRANCH + k, "sub_branch_id": s, "name": f"第{s}支行{k}队"}
                 for s in range(1, SUB_BRANCHES + 1) for k in range(1, TEAMS_PER_SUB_BRANCH + 1)]
        self.insert("team", teams)
        users: list[dict[str, Any]] = [
            self._user(1, "admin", "管理员", "admin", 1, None, password_hash),
            self._user(2, "reviewer1", "孙慧", "reviewer", 1, None, password_hash),
        ]
        self.managers: dict[int, list[int]] = {}  # sub-branch -> manager ids (leads included: they visit too)
        next_id = 3
        for team in teams:
            sub = team["sub_branch_id"]
            users.append(self._user(next_id, f"lead{team['id']}", f"队长{team['id']}", "team_lead", sub, team["id"],
                                    password_hash))
            self.managers.setdefault(sub, []).append(next_id)
            next_id += 1
            for m in range(MANAGERS_PER_TEAM):
                users.append(self._user(next_id, f"mgr{team['id']}_{m}", f"经理{team['id']}-{m}", "manager", sub,
                                        team["id"], password_hash))
                self.managers[sub].append(next_id)
                next_id += 1
        self.insert("user", users)
        merchants = []
        self.merchants: dict[int, list[tuple[int, float, float, str]]] = {}
        merchant_id = 1
        for sub in range(1, SUB_BRANCHES + 1):
            for n in range(MERCHANTS_PER_SUB_BRANCH):
                lat = HANGZHOU[0] + self.rng.uniform(-0.08, 0.08)
                lon = HANGZHOU[1] + self.rng.uniform(-0.08, 0.08)
                name = f"{self.rng.choice(('老王', '周记', '鑫源', '小李', '恒丰', '金华'))}{self.rng.choice(TRADES)}{n}"
                merchants.append({
                    "id": merchant_id, "sub_branch_id": sub, "code": f"A{sub}-{n:04d}", "name": name,
                    "industry": "零售", "address": f"{self.rng.choice(STREETS)}{self.rng.randint(1, 999)}号",
                    "district": f"{self.rng.choice(STREETS)}沿线", "contact_name": "王老板",
                    "phone": f"138{self.rng.randint(10_000_000, 99_999_999)}", "status": "customer",
                    "owner_id": self.rng.choice(self.managers[sub]), "lat": lat, "lon": lon,
                    "location_source": "import", "created_at": self.now - timedelta(days=1200),
                    "updated_at": self.now - timedelta(days=1200)})
                self.merchants.setdefault(sub, []).append((merchant_id, lat, lon, name))
                merchant_id += 1
        self.insert("merchant", merchants)

    def _user(self, id_: int, username: str, name: str, role: str, sub: int, team: int | None,
              password_hash: str) -> dict[str, Any]:
        return {"id": id_, "username": username, "display_name": name, "role": role, "sub_branch_id": sub,
                "team_id": team, "phone": f"139{id_:08d}", "password_hash": password_hash, "is_enabled": True,
                "locale": None, "created_at": self.now - timedelta(days=1500)}

    # --- visits and what hangs off them ----------------------------------------------------------------

    def visits(self, total: int) -> None:
        spacing = 86400 / VISITS_PER_DAY
        children: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "visit_version", "photo", "visit_flag", "visit_review", "review_audit_entry", "flag_review")}
        visit_rows: list[dict[str, Any]] = []
        flag_id = 1
        started_clock = time.monotonic()
        for index in range(total):
            rng = self.rng
            started = self.now - timedelta(seconds=index * spacing + rng.uniform(0, spacing))
            sub = rng.randint(1, SUB_BRANCHES)
            lead = rng.choice(self.managers[sub])
            merchant_id, m_lat, m_lon, _name = rng.choice(self.merchants[sub])
            visit_id = fresh_uuid(rng)
            kind = rng.choices(("marketing", "post_loan", "collection"), (80, 15, 5))[0]
            lat, lon = m_lat + rng.gauss(0, 0.0003), m_lon + rng.gauss(0, 0.0003)
            accuracy = round(rng.uniform(5, 60), 1)
            outcome: dict[str, Any] = {"effective": rng.random() < 0.7,
                                       "deals": rng.sample(("credit_card", "aggregated_qr", "loan", "bill_payment"),
                                                           rng.randint(0, 2)),
                                       "next_step": "下周带申请表再来", "follow_up_date": None, "application": None}
            if outcome["effective"] and visit_id[0] in "0123":  # a quarter of them, without drawing from rng
                outcome["application"] = {"product": "经营贷", "amount": 50000.0 + 1000 * int(visit_id[1], 16)}
            if kind == "post_loan":
                outcome["checklist"] = {"operating_state": "normal", "inventory_level": rng.choice(("full", "normal", "low")),
                                        "fixed_assets": "unchanged", "abnormal": False, "abnormal_detail": ""}
            notes = {"lead": rng.choice(NOTES)}
            received = started + timedelta(minutes=rng.randint(10, 90))
            body = {"merchant_id": merchant_id, "kind": kind, "started_at": started.isoformat(timespec="seconds"),
                    "squad": {"lead": f"u{lead}", "support": None, "observer": None},
                    "checkin": {"lat": lat, "lon": lon, "accuracy_m": accuracy,
                                "captured_at": (started + timedelta(minutes=1)).isoformat(timespec="seconds")},
                    "outcome": outcome, "notes": notes}
            body_hash = "%064x" % rng.getrandbits(256)  # the size of a sha256; nothing reads it here
            distance = round(abs(rng.gauss(0, 40)), 1)
            visit_rows.append({
                "id": visit_id, "merchant_id": merchant_id, "sub_branch_id": sub, "kind": kind,
                "created_by_id": lead, "lead_id": lead, "support_id": None, "observer_id": None,
                "started_at": started, "checkin_lat": lat, "checkin_lon": lon,
                "checkin_lat_e6": round(lat * 1e6), "checkin_lon_e6": round(lon * 1e6),
                "checkin_accuracy_m": accuracy, "checkin_captured_at": started + timedelta(minutes=1),
                "checkin_status": "verified" if distance < 200 else "outside_geofence", "checkin_distance_m": distance,
                "device_id": "%032x" % rng.getrandbits(128), "outcome": outcome, "notes": notes, "version": 1,
                "body_hash": body_hash, "created_at": received, "updated_at": received})
            children["visit_version"].append({"visit_id": visit_id, "version": 1, "body": body, "body_hash": body_hash,
                                              "written_by_id": lead, "written_at": received})
            photo_ids = []
            for p in range(PHOTOS_PER_VISIT):
                photo_id = fresh_uuid(rng)
                photo_ids.append(photo_id)
                taken = started + timedelta(minutes=2 + p)
                children["photo"].append({
                    "id": photo_id, "visit_id": visit_id, "branch_id": 1, "uploaded_by_id": lead,
                    "category": ("premises", "inventory", "premises")[p], "captured_at": taken,
                    "client_exif_taken_at": taken, "client_exif_lat": lat, "client_exif_lon": lon,
                    "evidence": {"format": "JPEG", "width": 2048, "height": 1536,
                                 "exif_taken_at": taken.astimezone(BANK_ZONE).replace(tzinfo=None).isoformat(timespec="seconds"),
                                 "exif_lat": round(lat, 6), "exif_lon": round(lon, 6),
                                 "exif_device": rng.choice(DEVICES), "exif_orientation": 1, "exif_software": None},
                    "sha256": "%064x" % rng.getrandbits(256), "phash": "%016x" % rng.getrandbits(64),
                    "size_bytes": rng.randint(250_000, 450_000), "storage_key": f"{photo_id[:2]}/{photo_id}",
                    "created_at": received + timedelta(seconds=p * 20)})
            age_days = (self.now - started).total_seconds() / 86400
            flags = self._flags(visit_id, photo_ids, flag_id, received)
            flag_id += len(flags)
            children["visit_flag"].extend(flags)
            self._review(visit_id, lead, received, age_days, flags, children)
            if len(visit_rows) >= BATCH:
                self._flush(visit_rows, children)
                done = index + 1
                if done % 100_000 < BATCH:
                    rate = done / (time.monotonic() - started_clock)
                    print(f"  {done:,} visits ({rate:,.0f}/s)", flush=True)
        self._flush(visit_rows, children)

    # --- metrics and targets (the meeting boards) ---------------------------------------------------------

    def metrics(self) -> None:
        """The facts and monthly roll-ups the visit write path keeps, built from the visits in one pass."""
        from webapp.metrics.backfill import rebuild_metric_facts

        clock = time.monotonic()
        self.counts["visit_credit"] = rebuild_metric_facts(self.conn)
        print(f"  metric facts and monthly roll-ups in {time.monotonic() - clock:,.0f} s", flush=True)

    def targets(self) -> None:
        """Targets as leads and the branch set them: each person's for the newest day and month, each
        sub-branch's for the month."""
        day = self.now.astimezone(BANK_ZONE).date()
        month = day.replace(day=1)
        people = self.conn.execute(sa.text(
            "SELECT id, sub_branch_id, team_id FROM \"user\" WHERE role IN ('manager', 'team_lead')")).all()
        rows = []
        for user_id, sub, team in people:
            for period, start, scale in (("day", day, 1), ("month", month, 21)):
                for metric, value in (("consultations", 2), ("applications", 1), ("deals", 1)):
                    rows.append({"user_id": user_id, "sub_branch_id": sub, "team_id": team, "period": period,
                                 "period_start": start, "metric": metric, "value": value * scale, "lead_value": None,
                                 "set_by_id": 1, "confirmed_at": None, "updated_at": self.now})
        self.insert("person_target", rows)
        self.insert("sub_branch_target", [
            {"sub_branch_id": sub, "period": "month", "period_start": month, "metric": metric, "value": value,
             "set_by_id": 2, "updated_at": self.now}
            for sub in range(1, SUB_BRANCHES + 1)
            for metric, value in (("consultations", 900), ("applications", 300), ("deals", 500))])

    def _flags(self, visit_id: str, photo_ids: list[str], first_id: int, at: datetime) -> list[dict[str, Any]]:
        if self.rng.random() >= 0.08:
            return []
        flags = []
        for n in range(self.rng.choice((1, 1, 1, 2))):
            code = self.rng.choice(FLAG_CODES)
            on_photo = code.startswith("photo_")
            flags.append({"id": first_id + n, "visit_id": visit_id,
                          "photo_id": self.rng.choice(photo_ids) if on_photo else None, "code": code,
                          "detail": "Seeded flag for the benchmark.",
                          "evidence": {"distance_m": self.rng.randint(200, 3000), "accuracy_m": 20, "radius_m": 200},
                          "created_at": at})
        return flags

    def _review(self, visit_id: str, lead: int, at: datetime, age_days: float, flags: list[dict[str, Any]],
                children: dict[str, list[dict[str, Any]]]) -> None:
        """A working branch's history: decided after a few days; the last two days not yet looked at."""
        rng = self.rng
        if age_days < 2 or (age_days < 14 and rng.random() < 0.5):
            return
        reviewer = 2
        decided = at + timedelta(days=rng.uniform(0.5, 2))
        roll = rng.random()
        if roll < 0.01:
            steps = [("reject", "received", "rejected", 1, "照片与商户不符")]
        elif roll < 0.05:
            steps = [("send_back", "received", "sent_back", 1, "请补拍库存照片")]
            if age_days > 7:
                steps += [("resubmit", "sent_back", "received", 2, "已补拍"), ("approve", "received", "approved", 2, "")]
        else:
            steps = [("approve", "received", "approved", 1, "")]
        for n, (action, before, after, round_, reason) in enumerate(steps):
            children["review_audit_entry"].append({
                "visit_id": visit_id, "actor_id": lead if action == "resubmit" else reviewer, "action": action,
                "from_state": before, "to_state": after, "round": round_, "visit_version": 1, "reason": reason,
                "flag_id": None, "detail": {"photos": PHOTOS_PER_VISIT}, "created_at": decided + timedelta(hours=n)})
        last = steps[-1]
        children["visit_review"].append({
            "visit_id": visit_id, "state": last[2], "round": last[3],
            "reason": next((s[4] for s in steps if s[0] in ("send_back", "reject")), ""),
            "decided_by_id": reviewer, "decided_at": decided, "decided_version": 1,
            "updated_at": decided + timedelta(hours=len(steps) - 1)})
        for flag in flags:
            if rng.random() < 0.8:
                decision = "dismissed" if rng.random() < 0.7 else "confirmed"
                children["flag_review"].append({
                    "flag_id": flag["id"], "visit_id": visit_id, "decision": decision,
                    "reason": "已核实" if decision == "dismissed" else "", "decided_by_id": reviewer,
                    "decided_at": decided})

    def _flush(self, visit_rows: list[dict[str, Any]], children: dict[str, list[dict[str, Any]]]) -> None:
        self.insert("visit", visit_rows)
        visit_rows.clear()
        for name in ("visit_version", "photo", "visit_flag", "visit_review", "review_audit_entry", "flag_review"):
            self.insert(name, children[name])
            children[name].clear()


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    from webapp.config import normalise_database_url

    url = sa.make_url(normalise_database_url(args.database))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        # Relative to where the command runs (Flask-SQLAlchemy would take it relative to instance/).
        url = url.set(database=str(Path(url.database).resolve()))
    refuse_demo_database(url)
    if url.get_backend_name() == "sqlite" and url.database:
        path = Path(url.database)
        if args.replace:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)

    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "SECRET_KEY": "seed"})
    clock = time.monotonic()
    with app.app_context():
        with mock.patch("logging.config.fileConfig"):
            upgrade()
        engine = db.engine
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM visit")).scalar():
                raise SystemExit(f"{url.render_as_string()} already holds visits; use --replace for a SQLite file")
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
        print(f"Seeding {args.visits:,} visits into {url.render_as_string()} …", flush=True)
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                # A throwaway benchmark file: speed over durability while it is written (outside a transaction,
                # where SQLite allows these).
                raw = conn.connection.driver_connection
                raw.execute("PRAGMA synchronous=OFF")
                raw.execute("PRAGMA cache_size=-1000000")
            with conn.begin():
                seeder = Seeder(conn, random.Random(args.seed), now)
                seeder.organisation()
                seeder.visits(args.visits)
                seeder.metrics()
                seeder.targets()
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA optimize")  # what a long-running SQLite deployment does now and then
            else:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
        engine.dispose()
    took = time.monotonic() - clock
    print(f"Done in {took:,.0f} s: " + ", ".join(f"{name} {n:,}" for name, n in seeder.counts.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
