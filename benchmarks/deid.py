"""De-identifiers side by side: recall and precision per PHI kind, speed, and one adversarial line.

Why: prepare scrubs every document of a corpus with `prepare.deidentifier`; this says what each
registered de-identifier catches and over-scrubs on the labeled evaluation set
(mediphi.prepare.deid.evalset: clinical notes with planted identifiers of every kind, plus clean
notes), how many documents a second it scrubs here, and how long one 1 MB line of adversarial
text takes (long runs of letters, digits, dots, '@', capitalized words, titles: what makes a
backtracking pattern blow up). That line runs in a child process with a time limit. Also: how
many real ICD-10-CM descriptions (which hold no PHI) each one changes. De-identifiers that cannot
load here are listed with the reason. A second table scores the hand-written development set
(mediphi.prepare.deid.heldout: held out for one round, then tuned against), a third the second
development set (mediphi.prepare.deid.dev2: the same, written later), a fourth the third
(mediphi.prepare.deid.blind: written blind, measured once as the estimate, then tuned against), a
fifth the blind set (mediphi.prepare.deid.blind2: written by someone who had not read the rules and
never ran them on it, and never tuned against): the blind set is the estimate of recall on unseen
notes.
Prints the tables, writes benchmarks/out/deid.json.

    python benchmarks/deid.py [--only rules,philter_lite] [--line-timeout 300] [--icd 5000]
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from mediphi.prepare.deid import REGISTRY, DeidentifierUnavailable, get_deidentifier
from mediphi.prepare.deid.base import PHI_KINDS
from mediphi.prepare.deid.evalset import eval_documents
from mediphi.prepare.deid.blind import blind_documents
from mediphi.prepare.deid.blind2 import blind2_documents
from mediphi.prepare.deid.dev2 import dev2_documents
from mediphi.prepare.deid.heldout import heldout_documents
from mediphi.prepare.deid.evaluate import evaluate

# Runs that make a careless pattern quadratic, each a slice of the one line.
ADVERSARIAL_UNITS = ("a", "1", ".", "@", "a.", "1.", "a@", "1-", "Aa ", "A", "1 ", "Dr. ", "John Smith ", "a-",
                     "1/", "A.", "x@y.", "Jan 1 ", "9", ":")


def adversarial_line(size: int) -> str:
    part = size // len(ADVERSARIAL_UNITS)
    return "".join((u * (part // len(u) + 1))[:part] for u in ADVERSARIAL_UNITS)


def one_line_seconds(name: str, size: int) -> None:
    """Child process: scrub the line once, print the seconds (wall and CPU) as JSON."""
    deid = get_deidentifier(name)
    deid.scrub("warm up: Dr. Smith, 03/04/2021")
    line = adversarial_line(size)
    t0, c0 = time.perf_counter(), time.process_time()
    deid.scrub(line)
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 2), "cpu_seconds": round(time.process_time() - c0, 2)}))


def timed_line(name: str, size: int, timeout: float) -> dict:
    try:
        done = subprocess.run([sys.executable, __file__, "--one-line", name, "--line-bytes", str(size)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "note": f"stopped after {timeout:.0f} s"}
    if done.returncode:
        return {"seconds": None, "note": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def icd_descriptions(n: int) -> list[str]:
    import random

    import simple_icd_10_cm as cm

    codes = sorted(cm.get_all_codes())
    random.Random(0).shuffle(codes)
    return [cm.get_description(c) for c in codes[:n]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated de-identifier names (default: all registered)")
    ap.add_argument("--line-bytes", type=int, default=1_000_000, help="size of the adversarial line")
    ap.add_argument("--line-timeout", type=float, default=300, help="seconds before the line's child is stopped")
    ap.add_argument("--icd", type=int, default=5000, help="ICD-10-CM descriptions checked for over-scrubbing")
    ap.add_argument("--one-line", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(Path(__file__).parent / "out" / "deid.json"))
    args = ap.parse_args()
    if args.one_line:
        one_line_seconds(args.one_line, args.line_bytes)
        return

    names = [n for n in args.only.split(",") if n] or list(REGISTRY)
    docs, heldout, dev2, dev3 = eval_documents(), heldout_documents(), dev2_documents(), blind_documents()
    blind = blind2_documents()
    icd = icd_descriptions(args.icd) if args.icd else []
    results, unavailable = {}, {}
    for name in names:
        try:
            deid = get_deidentifier(name)
        except DeidentifierUnavailable as e:
            unavailable[name] = str(e)
            print(f"{name}: not available here: {e}")
            continue
        deid.scrub("warm up: Dr. Smith, 03/04/2021")
        t0, c0 = time.perf_counter(), time.process_time()
        scores = evaluate(deid, docs)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        changed = sum(bool(deid.find(t)) for t in icd)
        line = timed_line(name, args.line_bytes, args.line_timeout)
        held, second, third = evaluate(deid, heldout), evaluate(deid, dev2), evaluate(deid, dev3)
        unseen = evaluate(deid, blind)
        results[name] = {**{k: v for k, v in scores.items() if k not in ("missed", "false_spans")},
                         "heldout": held, "dev2": second, "dev3": third, "blind": unseen,
                         "docs_per_s": round(len(docs) / wall, 1), "docs_per_cpu_s": round(len(docs) / cpu, 1),
                         "icd_descriptions": len(icd), "icd_descriptions_changed": changed,
                         "line_bytes": args.line_bytes, "line": line,
                         "missed": scores["missed"], "false_spans": scores["false_spans"][:200]}
        print(f"{name}: done ({wall:.1f} s)", flush=True)

    if results:
        cols = list(results)
        table(f"{len(docs)} documents ({sum(not d.phi for d in docs)} without PHI), "
              f"{sum(len(d.phi) for d in docs)} planted identifiers; recall / precision", results)
        table(f"Development set (mediphi.prepare.deid.heldout): {len(heldout)} hand-written documents "
              f"({sum(not d.phi for d in heldout)} without PHI), {sum(len(d.phi) for d in heldout)} identifiers, "
              "tuned against; recall / precision", {c: results[c]["heldout"] for c in cols})
        table(f"Second development set (mediphi.prepare.deid.dev2): {len(dev2)} hand-written documents "
              f"({sum(not d.phi for d in dev2)} without PHI), {sum(len(d.phi) for d in dev2)} identifiers, "
              "tuned against; recall / precision", {c: results[c]["dev2"] for c in cols})
        table(f"Third development set (mediphi.prepare.deid.blind): {len(dev3)} hand-written documents "
              f"({sum(not d.phi for d in dev3)} without PHI), {sum(len(d.phi) for d in dev3)} identifiers, "
              "blind until measured once, then tuned against; recall / precision", {c: results[c]["dev3"] for c in cols})
        table(f"Blind set (mediphi.prepare.deid.blind2): {len(blind)} hand-written documents "
              f"({sum(not d.phi for d in blind)} without PHI), {sum(len(d.phi) for d in blind)} identifiers, "
              "never tuned against: the estimate on unseen notes; recall / precision",
              {c: results[c]["blind"] for c in cols})
        base = results.get("rules") or results[cols[0]]
        for label, fn in (("docs/s (wall)", lambda r: f"{r['docs_per_s']}"),
                          ("docs/s (CPU)", lambda r: f"{r['docs_per_cpu_s']} ({r['docs_per_cpu_s'] / base['docs_per_cpu_s']:.2f}x)"),
                          ("1 MB line s", lambda r: f"{r['line']['seconds']} (cpu {r['line'].get('cpu_seconds')})"
                           if r["line"]["seconds"] is not None else r["line"]["note"]),
                          ("clean docs changed", lambda r: f"{r['changed_clean_docs']}/{r['clean_documents']}"),
                          ("ICD descr. changed", lambda r: f"{r['icd_descriptions_changed']}/{r['icd_descriptions']}")):
            print(f"{label:<18}" + "".join(f"{fn(results[c]):>24}" for c in cols))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "deid", "machine": platform.processor() or platform.machine(),
                               "documents": len(docs), "results": results, "unavailable": unavailable}, indent=2))
    print(f"wrote {out}")


def table(title: str, results: dict[str, dict]) -> None:
    cols = list(results)
    print(f"\n{title}")
    print(f"{'kind':<10}{'planted':>8}" + "".join(f"{c:>24}" for c in cols))
    for kind in PHI_KINDS:
        cells = []
        for c in cols:
            k = results[c]["per_kind"].get(kind)
            cells.append(f"{_f(k and k['recall']):>10} / {_f(k and k['precision']):<10}   " if k else " " * 24)
        planted = next((results[c]["per_kind"][kind]["planted"] for c in cols if kind in results[c]["per_kind"]), 0)
        print(f"{kind:<10}{planted:>8}" + "".join(cells))
    print(f"{'overall':<10}{results[cols[0]]['planted']:>8}" + "".join(
        f"{_f(results[c]['recall']):>10} / {_f(results[c]['precision']):<10}   " for c in cols))


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


if __name__ == "__main__":
    main()
