"""Load benchmark: N phones draining their outboxes against the production stack (deploy/stack.py: nginx ->
gunicorn gthread -> the app, Redis, SeaweedFS), driven by Locust headless (bench/locustfile.py).

Prints requests/s, photos/s, the server-side p50/p95/p99 of photo PUTs (nginx's upstream time: queueing in
gunicorn included), status counts, and the ratio of photos/s to the machine's limit measured in the same run
(cores / the photo pipeline's time for one photo). With --kill, every process of the stack is SIGKILLed twice
during the load and restarted; afterwards every acknowledged write must be present exactly once, with its files.

    make bench-load                                     # SQLite, 100 phones, 60 s
    BENCH_DATABASE_URL=postgresql://... make bench-load # PostgreSQL (the database is emptied first)
    make bench-load BENCH_ARGS="--kill"                 # the crash mode
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import webapp  # noqa: E402,F401 - first: the app's thread limits (one BLAS thread) hold for the pipeline timed here
from deploy.stack import Stack  # noqa: E402
from tests import photo_samples as samples  # noqa: E402

PHOTO_PUT = "/api/v1/visits/*/photos/*"


def _make_photo(path: Path) -> None:
    seed = int(path.stem.removeprefix("shop-"))
    path.write_bytes(samples.jpeg_bytes(samples.shop_scene(seed + 1000, (2048, 1536)), quality=80))


def make_photos(folder: Path, count: int) -> list[Path]:
    """Shop scenes as the phone sends them: 2048 px long side, JPEG quality 80, about 260 KB; each upload of a
    run gets a scene of its own while the pool lasts (a manager does not send one exposure twice: that is
    the reuse the server looks for, and a pool of a few photos made most uploads of the run reuse cases).
    Made once (in parallel, about 0.25 s each) and kept in the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"shop-{seed:04d}.jpg" for seed in range(count)]
    missing = [path for path in paths if not path.exists()]
    if missing:
        print(f"making {len(missing)} bench photos in {folder} (once)", file=sys.stderr)
        with multiprocessing.Pool() as pool:
            pool.map(_make_photo, missing, chunksize=8)
    return paths


def _tree_cpu_seconds(root: int) -> float:
    """User + system CPU time of a process and every descendant alive now (gunicorn's workers); a descendant
    that ended meanwhile is in its parent's time of waited-for children."""
    try:
        top = psutil.Process(root)
        total = 0.0
        for process in [top, *top.children(recursive=True)]:
            try:
                times = process.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
            except psutil.NoSuchProcess:
                continue
        return total
    except psutil.NoSuchProcess:
        return 0.0


def cpu_by_part(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of each part of the stack (the app's gunicorn, nginx, SeaweedFS, Redis, ...) and, when
    PostgreSQL runs on this machine, of its processes (a backend that ended meanwhile is not counted)."""
    parts = {name: _tree_cpu_seconds(process.pid) for name, process in stack.processes.items()}
    if stack.database_url:
        postgres = 0.0
        for process in psutil.process_iter(["name"]):
            if process.info["name"] in ("postgres", "postmaster"):
                try:
                    times = process.cpu_times()
                    postgres += times.user + times.system
                except psutil.Error:
                    continue
        parts["postgresql (this machine)"] = postgres
    return parts


def reaped_cpu_seconds() -> float:
    """CPU seconds of this process's children that have ended and been waited for: the load generator's whole
    use once it has ended, as the difference of two readings around it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pipeline_seconds(photo: bytes, runs: int) -> float:
    """The photo pipeline's median time for one photo, in this process, with nothing else of ours running."""
    from webapp.photos.pipeline import Watermark, process_photo

    mark = Watermark(taken_at=datetime.now(UTC), merchant_name="基准测试商户", lat=30.27, lon=120.16,
                     manager_name="测试")
    process_photo(photo, mark)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        process_photo(photo, mark)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def seed_accounts(stack: Stack, phones: int, path: Path) -> None:
    """The demo branch plus one manager account per phone in sub-branch A1 (written through save_user)."""
    script = f"""
import json
import sqlalchemy as sa
from webapp import create_app
from webapp.admin.accounts import UserInput, save_user
from webapp.demo.seed import demo_present, seed_demo
from webapp.database import immediate_transactions
from webapp.extensions import db
from webapp.models import Merchant, SubBranch, Team, User
app = create_app()
with app.app_context(), immediate_transactions():
    if not demo_present():
        seed_demo("fieldwork-demo")
    a1 = db.session.scalar(sa.select(SubBranch).where(SubBranch.code == "A1"))
    team = db.session.scalar(sa.select(Team).where(Team.sub_branch_id == a1.id))
    users = []
    for index in range({phones}):
        name = f"bench{{index:03d}}"
        if db.session.scalar(sa.select(User).where(User.username == name)) is None:
            user, errors = save_user(UserInput(username=name, display_name=f"压测{{index:03d}}", role="manager",
                                               sub_branch_id=a1.id, team_id=team.id, phone=f"1380000{{index:04d}}",
                                               password="fieldwork-bench"))
            assert not errors, errors
        users.append(name)
    merchants = list(db.session.execute(sa.select(Merchant.id, Merchant.lat, Merchant.lon)
                                        .where(Merchant.sub_branch_id == a1.id, Merchant.lat.is_not(None))
                                        .order_by(Merchant.id).limit(200)))
    db.session.commit()
    print(json.dumps({{"users": users, "merchants": [m.id for m in merchants], "lat": merchants[0].lat,
                      "lon": merchants[0].lon, "password": "fieldwork-bench"}}))
"""
    env = stack.environment()
    env["FLASK_PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:10000"  # 100 accounts in seconds, logins cheap too
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"seeding failed:\n{result.stderr[-3000:]}")
    path.write_text(result.stdout.strip().splitlines()[-1])


def nginx_entries(stack: Stack, since: float) -> list[dict[str, Any]]:
    entries = []
    for line in stack.log("nginx-access").read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if datetime.fromisoformat(entry["time"]).timestamp() >= since:
            entries.append(entry)
    return entries


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def upstream_seconds(entry: dict[str, Any]) -> float | None:
    """nginx lists one time per upstream tried ("0.120, 0.004"); a dash means none answered."""
    parts = [p.strip() for p in str(entry.get("upstream_time", "")).split(",")]
    times = [float(p) for p in parts if p and p != "-"]
    return sum(times) if times else None


def run_locust(stack: Stack, args: argparse.Namespace, env: dict[str, str], duration: int) -> subprocess.Popen[bytes]:
    locust = Path(sys.executable).parent / "locust"
    command = [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
               "-u", str(args.phones), "-r", str(max(1, args.phones // 5)), "-t", f"{duration}s",
               "--host", stack.url, "--stop-timeout", "30", "--loglevel", "WARNING"]
    log = open(stack.log("locust"), "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def verify_acknowledged(stack: Stack, acks: Path) -> dict[str, Any]:
    """Every acknowledged visit and photo is stored exactly once with the acknowledged bytes and its files."""
    script = f"""
import json, sys
import sqlalchemy as sa
from collections import Counter
from webapp import create_app
from webapp.extensions import db
from webapp.models import Photo, Visit
from webapp.photos.store import photo_names, photo_store
entries = [json.loads(l) for l in open({str(acks)!r}) if l.strip()]
visits = {{e["id"] for e in entries if e["kind"] == "visit"}}
photos = {{}}
for e in entries:
    if e["kind"] == "photo":
        photos.setdefault(e["id"], set()).add(e["sha256"])
app = create_app()
with app.app_context():
    stored_visits = Counter(db.session.scalars(sa.select(Visit.id).where(Visit.id.in_(list(visits)))))
    rows = {{p.id: p for p in db.session.scalars(sa.select(Photo).where(Photo.id.in_(list(photos))))}}
    names = {{f.name for f in photo_store().list()}}
    problems = []
    problems += [f"visit {{v}} missing" for v in visits if stored_visits[v] != 1]
    for pid, shas in photos.items():
        row = rows.get(pid)
        if row is None:
            problems.append(f"photo {{pid}} missing"); continue
        if len(shas) != 1 or row.sha256 not in shas:
            problems.append(f"photo {{pid}} stored with other bytes")
        missing = [n for n in photo_names(row.storage_key) if n not in names]
        if missing:
            problems.append(f"photo {{pid}} lacks files {{missing}}")
    total_photos = db.session.scalar(sa.select(sa.func.count()).select_from(Photo))
    live = set()
    for key in db.session.scalars(sa.select(Photo.storage_key)):
        live.update(photo_names(key))
    stray = [n for n in names if not n.startswith("held/") and n not in live]
    print(json.dumps({{"acknowledged_visits": len(visits), "acknowledged_photos": len(photos),
                      "photo_rows": total_photos, "files_without_row": len(stray), "problems": problems[:20],
                      "problem_count": len(problems)}}))
"""
    result = subprocess.run([sys.executable, "-c", script], env=stack.environment(), cwd=ROOT, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"verification failed to run:\n{result.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: deploy/gunicorn.conf.py's, 2 per core + 1)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: deploy/gunicorn.conf.py's, 2)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL every process of the stack twice")
    parser.add_argument("--pipeline-runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the stack's folder for inspection")
    parser.add_argument("--upload-slots", type=int, default=None,
                        help="photo uploads nginx lets through at once (default: one more than the cores, as deployed)")
    parser.add_argument("--photo-pool", type=int, default=900,
                        help="distinct photos the phones send (each upload takes the next; kept in instance/)")
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL") or None
    folder = Path(tempfile.mkdtemp(prefix="xw-load-"))
    photos = make_photos(ROOT / "instance" / "bench-scenes", args.photo_pool)
    sizes = [p.stat().st_size for p in photos]
    cores = os.cpu_count() or 1
    before = pipeline_seconds(photos[0].read_bytes(), args.pipeline_runs)

    if database_url:
        reset_postgres(database_url)
    # Every simulated phone comes from 127.0.0.1: failed logins of one would count against all of them.
    stack = Stack(folder / "stack", database_url=database_url, workers=args.workers, threads=args.threads,
                  upload_slots=args.upload_slots,
                  app_env={"FLASK_LOGIN_ADDRESS_FAILURE_LIMIT": "100000 per minute"})
    acks = folder / "acks.jsonl"
    try:
        stack.start()
        accounts = folder / "accounts.json"
        seed_accounts(stack, args.phones, accounts)
        env = dict(os.environ, XW_BENCH_ACCOUNTS=str(accounts), XW_BENCH_PHOTOS=str(photos[0].parent),
                   XW_BENCH_PHOTO_COUNT=str(len(photos)),
                   XW_BENCH_ACKS=str(acks))
        started = time.time()
        cpu_before, reaped_before = cpu_by_part(stack), reaped_cpu_seconds()
        locust = run_locust(stack, args, env, args.duration)
        kills = []
        if args.kill:
            for moment in (args.duration / 3, 2 * args.duration / 3):
                time.sleep(max(0.0, started + moment - time.time()))
                stack.kill_all()
                down = time.time()
                stack.start(migrate=False)
                kills.append(round(time.time() - down, 1))
        locust.wait(args.duration + 120)
        ended = time.time()
        cpu_load = {name: seconds - cpu_before.get(name, 0.0) for name, seconds in cpu_by_part(stack).items()}
        cpu_load["locust"] = reaped_cpu_seconds() - reaped_before  # the only child that ended meanwhile
        time.sleep(15)  # requests whose phones gave up at the end still finish inside gunicorn
        after = pipeline_seconds(photos[0].read_bytes(), args.pipeline_runs)
        stack.flask("photos", "sweep", "--grace-s", "0")
        verification = verify_acknowledged(stack, acks)
        entries = nginx_entries(stack, started)
    finally:
        stack.stop()

    elapsed = min(ended - started, float(args.duration))  # rates over the load itself, not the stop
    statuses = Counter(int(e["status"]) for e in entries)
    photo_entries = [e for e in entries if e["method"] == "PUT" and "/photos/" in e["path"]]
    photo_created = sum(1 for e in photo_entries if e["status"] == 201)
    photo_times = [t for e in photo_entries if e["status"] in (200, 201) and (t := upstream_seconds(e)) is not None]
    pipeline = min(before, after)
    limit = cores / pipeline
    photos_per_s = photo_created / elapsed
    p50, p95, p99 = (percentile(photo_times, q) for q in (0.5, 0.95, 0.99))
    figures = {
        "database": "postgresql" if database_url else "sqlite",
        "phones": args.phones, "upload_slots": stack.upload_slots or "cores + 1", "seconds": round(elapsed, 1), "kills_restart_s": kills,
        "photo_kb_mean": round(statistics.mean(sizes) / 1024), "photo_pool": len(photos),
        "requests_per_s": round(len(entries) / elapsed, 1),
        "photos_per_s": round(photos_per_s, 2),
        "pipeline_ms_before_after": [round(before * 1000), round(after * 1000)],
        "machine_limit_photos_per_s": round(limit, 2),
        "ratio_of_limit": round(photos_per_s / limit, 2),
        "photo_put_server_ms_p50_p95_p99": [round(p50 * 1000), round(p95 * 1000), round(p99 * 1000)],
        "p95_over_pipeline": round(p95 / pipeline, 2),
        "statuses": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "verification": verification,
        # Where the machine's cores went during the load (None with --kill: the processes were replaced). The
        # load generator runs on the same machine and takes its share of the limit above.
        "cpu_seconds_during_load": None if args.kill else {
            "machine": round(cores * (ended - started), 1),
            **{name: round(seconds, 1) for name, seconds in sorted(cpu_load.items())}},
        "app_cpu_ms_per_photo_created": None if args.kill or not photo_created else
        round(1000 * cpu_load.get("gunicorn", 0.0) / photo_created),
    }
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    if args.keep:
        print(f"stack folder kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
