"""`make bench`: generate the school group, serve it with gunicorn, measure, print the table.

    .venv/bin/python -m bench                 # SQLite (and PostgreSQL too when DATABASE_URL is set)
    BENCH_REQUESTS=50 .venv/bin/python -m bench   # fewer requests per figure (a quick look; not the record)

See bench/README.md for what is measured and the last recorded table.
"""

from __future__ import annotations

import os
import platform
import random
import secrets
import shutil
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from bench import generate, harness

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
# A figure stops after this many seconds: 200 requests of a page that meets a 300 ms target fit in it,
# a slower page gets fewer (the table says how many), and `make bench` stays under ten minutes.
LIMIT_S = float(os.environ.get("BENCH_LIMIT_SECONDS", "65"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
WRITE_CLIENTS = int(os.environ.get("BENCH_WRITE_CLIENTS", "8"))
WRITES_PER_CLIENT = int(os.environ.get("BENCH_WRITES_PER_CLIENT", "125"))
NAIVE_RUNS = int(os.environ.get("BENCH_NAIVE_RUNS", "15"))
HX = {"HX-Request": "true"}

# The naive dashboard: every moment ever logged, counted per family and quadrant.
NAIVE_SQL = """
SELECT m.household_id, f.quadrant, COUNT(*) AS moments, MAX(m.occurred_on) AS last_on,
       SUM(CASE WHEN m.reach <> 'not_reached' THEN 1 ELSE 0 END) AS reached
FROM contact_moments m JOIN contact_forms f ON f.id = m.form_id
WHERE m.removed_at IS NULL
GROUP BY m.household_id, f.quadrant
"""


@dataclass
class Target:
    key: str
    limit_ms: float | None = None
    bare_ratio: float | None = None


TARGETS = {
    "search": Target("search", 30, 5),
    "quick_log": Target("quick_log", 30, 5),
    "family_page": Target("family_page", 60),
    "less_visible": Target("less_visible", 300),
    "dashboard": Target("dashboard", 300),
}
LABELS = {
    "bare": "bare endpoint /healthz (floor)",
    "naive_sql": "naive SQL aggregate, whole log (floor)",
    "search": "family search as you type",
    "quick_log": "save a quick log (POST → fragment)",
    "family_page": "family page",
    "less_visible": "less-visible list, all families",
    "dashboard": "director's dashboard",
}


def ms(seconds: float) -> float:
    return seconds * 1000


def run_size(gen: generate.Generated, label: str, echo) -> dict:
    """Every figure for one generated database."""
    rng = random.Random(7)
    results: dict = {"label": label, "moments": gen.moments, "timings": {}}
    with harness.gunicorn(gen.url, workers=WORKERS) as server:
        port = server.port
        director = harness.Client(port)
        director.login(gen.staff["director"], generate.BENCH_PASSWORD)
        reception = harness.Client(port)
        reception.login(gen.staff["reception"], generate.BENCH_PASSWORD)

        def bare(_i: int) -> bool:
            return harness.request(port, "GET", "/healthz")[0] == 200

        terms = []
        for surname in rng.sample(gen.surnames, 80):
            word = surname.split()[-1].lower()
            terms += [word[:n] for n in range(2, min(len(word), 5) + 1)]

        def search(i: int) -> bool:
            q = terms[i % len(terms)]
            return reception.get(f"/families/search?q={urllib.parse.quote(q)}", headers=HX)[0] == 200

        families = rng.sample(gen.household_ids, min(len(gen.household_ids), 400))

        def family_page(i: int) -> bool:
            return director.get(f"/families/{families[i % len(families)]}")[0] == 200

        def less_visible(_i: int) -> bool:
            return director.get("/less-visible")[0] == 200

        def dashboard(_i: int) -> bool:
            return director.get("/dashboard/")[0] == 200

        email, mine = next((e, h) for e, h in gen.teachers if h)
        teacher = harness.Client(port)
        teacher.login(email, generate.BENCH_PASSWORD)
        teacher_csrf = teacher.csrf(f"/contacts/log?household_id={mine[0]}")

        def quick_log_for(client: harness.Client, csrf: str, households: list[int]):
            def post(i: int) -> bool:
                status, _ = client.send(
                    "POST",
                    "/contacts/log",
                    form={
                        "csrf_token": csrf,
                        "household_id": households[i % len(households)],
                        "form_id": gen.gate_form_id,
                        "submission_token": f"bench-{secrets.token_hex(12)}",
                    },
                    headers={**HX, "X-CSRFToken": csrf},
                )
                return status == 200

            return post

        quick_log = quick_log_for(teacher, teacher_csrf, mine)
        for key, call, warm in (
            ("bare", bare, 30),
            ("search", search, 30),
            ("family_page", family_page, 20),
            ("less_visible", less_visible, 6),
            ("dashboard", dashboard, 6),
            ("quick_log", quick_log, 20),
        ):
            harness.warm_workers(call, WORKERS)
            timing = harness.measure(key, call, count=REQUESTS, warmup=warm, limit_s=LIMIT_S)
            results["timings"][key] = timing
            echo(
                f"    {LABELS[key]:<40} p50 {ms(timing.p50):7.1f} ms  p95 {ms(timing.p95):7.1f} ms"
                f"  ({timing.count} requests{', time limit' if timing.capped else ''}"
                f"{f', {timing.failures} failed' if timing.failures else ''})"
            )

        results["timings"]["naive_sql"] = naive_sql(gen.url)
        t = results["timings"]["naive_sql"]
        echo(
            f"    {LABELS['naive_sql']:<40} p50 {ms(t.p50):7.1f} ms  p95 {ms(t.p95):7.1f} ms"
            f"  ({t.count} runs)"
        )

        # Sustained writes: several teachers on their phones at once.
        writers = []
        for email, households in [(e, h) for e, h in gen.teachers if h][1 : WRITE_CLIENTS + 1]:
            client = harness.Client(port)
            client.login(email, generate.BENCH_PASSWORD)
            csrf = client.csrf(f"/contacts/log?household_id={households[0]}")
            writers.append(quick_log_for(client, csrf, households))
        results["writes"] = harness.sustained(
            writers, per_client=WRITES_PER_CLIENT, limit_s=LIMIT_S, workers=WORKERS
        )
        w = results["writes"]
        echo(
            f"    sustained quick logs: {w.done} in {w.seconds:.1f} s = {w.per_second:.0f}/s "
            f"({w.clients} clients, {w.workers} workers, {w.failures} failed)"
        )

        results["weight"] = harness.page_weight(teacher, "/contacts/log")
        results["rss_mb"] = server.peak_rss_mb()
        echo(
            f"    quick-log page: {results['weight'].raw / 1024:.1f} KB raw, "
            f"{results['weight'].gzipped / 1024:.1f} KB gzip; peak worker RSS {results['rss_mb']:.0f} MB"
        )
    return results


def naive_sql(url: str) -> harness.Timing:
    from sqlalchemy import create_engine, text

    from school.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            conn.execute(text(NAIVE_SQL)).fetchall()  # warm-up
            timing = harness.Timing("naive_sql")
            deadline = time.monotonic() + LIMIT_S
            for _ in range(NAIVE_RUNS):
                if time.monotonic() > deadline:
                    timing.capped = True
                    break
                started = time.perf_counter()
                conn.execute(text(NAIVE_SQL)).fetchall()
                timing.samples.append(time.perf_counter() - started)
            return timing
    finally:
        engine.dispose()


# --- the table -----------------------------------------------------------------------------


def verdicts(big: dict, small: dict) -> list[tuple[str, str, bool]]:
    out = []
    for size in (big, small):
        bare = size["timings"]["bare"].p95
        for key, target in TARGETS.items():
            t = size["timings"][key]
            ok = t.count > 0 and t.failures == 0 and ms(t.p95) <= target.limit_ms
            text = f"{LABELS[key]}: p95 {ms(t.p95):.1f} ms ≤ {target.limit_ms:.0f} ms"
            if t.capped:
                text += f" (over {t.count} requests: the time limit stopped it)"
            if t.failures:
                text += f" ({t.failures} failed)"
            if target.bare_ratio:
                ratio = t.p95 / bare
                ok = ok and ratio <= target.bare_ratio
                text += f" and ≤ {target.bare_ratio:.0f}× bare ({ratio:.1f}×)"
            out.append((size["label"], text, ok))
        w = size["writes"]
        out.append(
            (
                size["label"],
                f"sustained quick logs ≥ 200/s, none failing: {w.per_second:.0f}/s, {w.failures} failed",
                w.per_second >= 200 and w.failures == 0,
            )
        )
        kb = size["weight"].gzipped / 1024
        out.append((size["label"], f"quick-log page ≤ 60 KB transferred: {kb:.1f} KB", kb <= 60))
        out.append(
            (size["label"], f"one worker ≤ 200 MB resident: {size['rss_mb']:.0f} MB", size["rss_mb"] <= 200)
        )
    d_big, d_small = big["timings"]["dashboard"], small["timings"]["dashboard"]
    ratio50 = d_big.p50 / d_small.p50
    ratio95 = d_big.p95 / d_small.p95
    out.append(
        (
            "both",
            f"dashboard at {big['moments']:,} ≤ 1.5× at {small['moments']:,} moments: "
            f"p50 {ratio50:.2f}×, p95 {ratio95:.2f}×",
            ratio50 <= 1.5,
        )
    )
    return out


def table(big: dict, small: dict) -> str:
    lines = []
    head = (
        f"| figure | {big['label']} p50 | p95 | n | × bare | × naive SQL | {small['label']} p50 | p95 | n | "
        "× bare | × naive SQL |"
    )
    lines += [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in ("bare", "naive_sql", "search", "quick_log", "family_page", "less_visible", "dashboard"):
        cells = [LABELS[key]]
        for size in (big, small):
            t = size["timings"][key]
            bare = size["timings"]["bare"].p95
            naive = size["timings"]["naive_sql"].p50
            cells += [
                f"{ms(t.p50):.1f} ms",
                f"{ms(t.p95):.1f} ms",
                str(t.count),
                f"{t.p95 / bare:.1f}×",
                f"{t.p95 / naive:.2f}×",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| other figure | " + big["label"] + " | " + small["label"] + " |")
    lines.append("|---|---:|---:|")
    lines.append(
        "| sustained quick logs | "
        + " | ".join(
            f"{s['writes'].per_second:.0f}/s ({s['writes'].done} in {s['writes'].seconds:.1f} s, "
            f"{s['writes'].clients} clients, {s['writes'].workers} workers, {s['writes'].failures} failed)"
            for s in (big, small)
        )
        + " |"
    )
    lines.append(
        "| quick-log page, raw / gzip | "
        + " | ".join(
            f"{s['weight'].raw / 1024:.1f} KB / {s['weight'].gzipped / 1024:.1f} KB" for s in (big, small)
        )
        + " |"
    )
    lines.append(
        "| peak RSS of one worker | " + " | ".join(f"{s['rss_mb']:.0f} MB" for s in (big, small)) + " |"
    )
    lines.append("")
    lines.append("| verdict | data | target |")
    lines.append("|---|---|---|")
    for label, text, ok in verdicts(big, small):
        lines.append(f"| {'met' if ok else 'MISSED'} | {label} | {text} |")
    return "\n".join(lines)


def machine() -> str:
    load = os.getloadavg()
    mem = ""
    try:
        total = next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        mem = f", {int(total.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.node() or 'this machine'}: {os.cpu_count()} cores{mem}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def backends(workdir: Path) -> list[tuple[str, tuple[str, str]]]:
    out = [
        ("SQLite", (f"sqlite:///{workdir / 'bench-1m.sqlite'}", f"sqlite:///{workdir / 'bench-100k.sqlite'}"))
    ]
    base = os.environ.get("DATABASE_URL")
    if base:
        out.append(("PostgreSQL", (_pg_database(base, "bench_1m"), _pg_database(base, "bench_100k"))))
    return out


def _pg_database(base: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from school.config import normalise_database_url

    url = make_url(normalise_database_url(base))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def main() -> int:
    started = time.perf_counter()
    echo = print
    workdir = Path(tempfile.mkdtemp(prefix="schoolpoort-bench-"))
    os.environ.pop("FLASK_DEBUG", None)
    echo(f"Schoolpoort benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}")
    echo(machine())
    echo(f"{REQUESTS} requests per figure after warm-up, gunicorn --workers {WORKERS}, loopback only")
    try:
        echo("Template: the demo school")
        template = generate.load_template(workdir)
        reports = []
        for name, urls in backends(workdir):
            echo(f"\n== {name}: generating 10 000 households, 15 000 pupils, 400 classes ==")
            big, small = generate.generate(urls, template=template, workdir=workdir, echo=echo)
            mix = big.mix
            echo("  mix (share of moments) demo → generated 1M → generated 100k:")
            for axis in ("quadrant", "tone", "reach"):
                demo = mix["template"][axis]
                for key in sorted(demo):
                    echo(
                        f"    {axis:<8} {key:<17} {100 * demo[key] / sum(demo.values()):5.1f}% → "
                        f"{100 * big.mix[axis][key] / sum(big.mix[axis].values()):5.1f}% → "
                        f"{100 * small.mix[axis][key] / sum(small.mix[axis].values()):5.1f}%"
                    )
            sizes = []
            for gen, label in ((big, "1M"), (small, "100k")):
                echo(f"\n  -- {name}, {gen.moments:,} moments --")
                sizes.append(run_size(gen, label, echo))
            reports.append((name, sizes))
        echo("")
        echo(f"Finished in {time.perf_counter() - started:.0f} s. {machine()}")
        for name, (big, small) in reports:
            echo(f"\n### {name}\n")
            echo(table(big, small))
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
