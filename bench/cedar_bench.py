#!/usr/bin/env python3
"""Cedar side of the Clearance benchmark: the same agreements as Cedar policies, the same requests, via cedarpy.

Usage (bench/run.sh calls it inside the venv it creates in .build-bench-venv/):

    cedar_bench.py --dir WORKLOAD_DIR --runs K --out RESULTS.json --decisions DECISIONS.tsv [--policies-out FILE]
                   [--sample N] [--sample-by subscriber|step] [--no-step-reference]

cedarpy decides some 5,000-10,000 requests a second, so a million would take minutes per pass: `--sample N`
decides about N requests, a deterministic subset, and the comparison uses time per decision.

`--sample-by subscriber` (the default, the one the comparison uses): every k-th subscriber (k = ceil(requests
/ N)) in the sorted order of the subscriber ids that appear in requests.jsonl, with ALL of their requests. So
each `is_authorized_batch` call gets the same batch as in a full run (one subscriber's requests: ~100 at the
default scale), and the pass reads, encodes and parses those subscribers' agreements and requests only (the
sample is written to a folder of its own before the timed passes), as a full run does for all of them: per
decision, the sample costs what the full run would.

`--sample-by step` (the former sample, still measured in every run as a reference unless
`--no-step-reference`): every k-th request (lines 0, k, 2k, ...). It inflated Cedar's cost per decision twice
over: each subscriber's batch held ~5 requests instead of ~100 (cedarpy's per-call cost: converting the policy
set and entities, building the authorizer, spread over 20× fewer decisions), and the pass encoded and parsed
EVERY subscriber's policies while dividing by the 5% of the requests it decided. Both samples are measured in
the same run (interleaved) and written to the results (`runs`: the sample used; `step_runs`: the reference);
bench/RESULTS.md shows both.

Decisions are written for the sample used, in request order: `clearance-bench compare` matches them to
Clearance's by request id.

The encoding (one Cedar `permit` per grant; everything that decides in its `when`):

  * scope: `principal == Subscriber::"<id>"`, `action in [Action::"<granted>", ...]` (the ODRL action
    hierarchy — `use` includes `reproduce`, `reproduce` includes `extract`, ... — is the Action
    entities' parent graph), `resource` (any asset).
  * `when`: the source; the agreement's term (`start <= at < end`, times as epoch milliseconds); an
    early termination; for a subscription the prior-subscription rule (`signedAt <= at`); the grant's
    asset kinds, extents, maximum portion (a Cedar `decimal`), channels; its territories as entity
    membership (`Territory::"IQ" in Region::"MENA"`) minus its exclusions; its embargo
    (`at >= publishedAt + embargo`); and `!(...)` of each of the agreement's restrictions. A
    restriction binds only its own agreement, so it is folded into that agreement's permits rather
    than written as a global `forbid`.

Policies are sliced per subscriber, as a Cedar application would store them: each request is
evaluated against its own subscriber's policy set only (parsed once into a `cedarpy.PolicySet`),
with one shared, pre-parsed `cedarpy.Entities` (territories, regions, actions), through
`cedarpy.is_authorized_batch` (one call per subscriber's requests).

Timings (each of `--runs` passes, medians reported):
  * `eval`:  time inside `is_authorized_batch` only (policies, entities and request dicts ready) —
             Cedar's best case through cedarpy, the figure the ratios use;
  * `total`: the whole pass: read the workload files, encode the policies, parse them, build the
             requests, evaluate, write the decisions (what an application would do end to end).
"""

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import sys
import tempfile
import time

import cedarpy

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
DAY_MS = 86_400_000


def instant_ms(text, date_end=False):
    """Epoch milliseconds of an ISO 8601 date or date-time (UTC when no offset); a date-only end covers its whole day."""
    if len(text) == 10:
        d = dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)
        ms = (d - EPOCH) // dt.timedelta(milliseconds=1)
        return ms + DAY_MS if date_end else ms
    d = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    return (d - EPOCH) // dt.timedelta(milliseconds=1)


DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def duration_ms(text):
    """Milliseconds of an exact ISO 8601 duration (days, hours, minutes, seconds; the workload uses no months)."""
    m = DURATION.match(text)
    if not m or text in ("P", "PT"):
        raise ValueError(f"unsupported duration `{text}` (the Cedar encoding takes days/hours/minutes/seconds)")
    d, h, mi, s = (int(x) if x else 0 for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60_000 + s * 1000


def cedar_str(s):
    return json.dumps(s, ensure_ascii=False)


def str_set(values):
    return "[" + ", ".join(cedar_str(v) for v in values) + "]"


def territory_refs(names, regions):
    """Cedar entity references for territory names: regions are `Region::`, countries `Territory::`."""
    out = []
    for n in names:
        n = n.upper()
        if n == "ALL":
            n = "WORLD"
        out.append(f'Region::{cedar_str(n)}' if n in regions else f'Territory::{cedar_str(n)}')
    return "[" + ", ".join(out) + "]"


def territory_condition(include, exclude, regions):
    c = f"context.territory in {territory_refs(include, regions)}"
    if exclude:
        c += f" && !(context.territory in {territory_refs(exclude, regions)})"
    return c


def dimension(values, expr):
    """`["a","b"].contains(expr)`, or nothing when the dimension lists every value (`all`)."""
    if values is None or "all" in values:
        return None
    return f"{str_set(values)}.contains({expr})"


def restriction_condition(r, regions):
    """The condition under which a restriction applies (every dimension it lists matches)."""
    parts = []
    if r.get("assets") is not None:
        c = dimension(r["assets"], "context.kind")
        if c:
            parts.append(c)
    if r.get("actions") is not None:
        parts.append("action in [" + ", ".join(f"Action::{cedar_str(a)}" for a in r["actions"]) + "]")
    if r.get("extent") is not None:
        parts.append(f"{str_set(r['extent'])}.contains(context.extent)")
    if r.get("channels") is not None:
        c = dimension(r["channels"], "context.channel")
        if c:
            parts.append(c)
    if r.get("territories") is not None or r.get("excludeTerritories"):
        parts.append(territory_condition(r.get("territories") or ["WORLD"], r.get("excludeTerritories") or [], regions))
    if r.get("embargo"):
        # Applies while the embargo runs; an unknown publication time cannot show it is over (fail closed).
        parts.append(f"(!(context has publishedAt) || context.at < context.publishedAt + {duration_ms(r['embargo'])})")
    return "(" + " && ".join(parts) + ")" if parts else "true"


def encode_agreement(a, regions):
    """One Cedar `permit` per grant of the agreement, with the term, prior rule and restrictions in its `when`."""
    sub = a["subscriber"]["id"] if isinstance(a["subscriber"], dict) else a["subscriber"]
    common = [f'context.source == {cedar_str(a["source"])}']
    term = a["term"]
    common.append(f"context.at >= {instant_ms(term['start'])}")
    common.append(f"context.at < {instant_ms(term['end'], date_end=True)}")
    if a.get("termination"):
        common.append(f"context.at < {instant_ms(a['termination']['at'])}")
    if a["kind"] == "subscription":
        common.append(f"context.at >= {instant_ms(a['signedAt'])}")  # a *prior* subscription
    restrictions = [f"!{restriction_condition(r, regions)}" for r in a.get("restrictions") or []]
    out = []
    for k, g in enumerate(a["grants"]):
        if g.get("quota"):
            raise ValueError(f"{a['id']}: quotas are stateful and not part of the Cedar encoding")
        conds = list(common)
        for c in (dimension(g["assets"], "context.kind"), dimension(g["extent"], "context.extent")):
            if c:
                conds.append(c)
        if g.get("maxPortion") is not None and "partial" in g["extent"]:
            conds.append(f'(context.extent != "partial" || (context has portion && '
                         f'context.portion.lessThanOrEqual(decimal("{g["maxPortion"]:.4f}"))))')
        c = dimension(g["channels"], "context.channel")
        if c:
            conds.append(c)
        conds.append(territory_condition(g["territories"], g.get("excludeTerritories") or [], regions))
        if g.get("embargo"):
            conds.append(f"context has publishedAt && context.at >= context.publishedAt + {duration_ms(g['embargo'])}")
        conds += restrictions
        actions = ", ".join(f"Action::{cedar_str(x)}" for x in g["actions"])
        out.append(f'@id({cedar_str(a["id"] + "#grant-" + str(k + 1))})\n'
                   f'permit (principal == Subscriber::{cedar_str(sub)}, action in [{actions}], resource)\n'
                   f'when {{\n  ' + " &&\n  ".join(conds) + "\n};\n")
    return sub, out


def entities_json(territories, actions):
    """Territories (parents: every region holding them), regions, and ODRL actions (parents: what includes them)."""
    parents = {c: [] for c in territories["countries"]}
    for region, members in territories["regions"].items():
        for c in members:
            parents[c].append({"type": "Region", "id": region})
    ents = [{"uid": {"type": "Territory", "id": c}, "attrs": {}, "parents": p} for c, p in parents.items()]
    ents += [{"uid": {"type": "Region", "id": r}, "attrs": {}, "parents": []} for r in territories["regions"]]
    ents += [{"uid": {"type": "Action", "id": a}, "attrs": {},
              "parents": [{"type": "Action", "id": p} for p in up]} for a, up in actions.items()]
    return json.dumps(ents)


def cedar_request(r):
    """A DESIGN.md request as a Cedar request: subscriber, action, asset, and the rest in the context."""
    use = r.get("use") or {}
    ctx = {
        "source": r["source"],
        "kind": r["asset"]["kind"],
        "extent": use.get("extent", "whole"),
        "channel": r["channel"],
        "territory": {"__entity": {"type": "Territory", "id": r["territory"].upper()}},
        "at": instant_ms(r["at"]),
    }
    if r["asset"].get("publishedAt"):
        ctx["publishedAt"] = instant_ms(r["asset"]["publishedAt"])
    if use.get("portion") is not None:
        ctx["portion"] = {"__extn": {"fn": "decimal", "arg": f"{float(use['portion']):.4f}"}}
    return {
        "principal": {"type": "Subscriber", "id": r["subscriber"]},
        "action": {"type": "Action", "id": use.get("action", "reproduce")},
        "resource": {"type": "Asset", "id": r["asset"]["id"]},
        "context": ctx,
    }


def subscriber_of(a):
    """An agreement's subscriber id (the agreement format allows an object or a plain id)."""
    return a["subscriber"]["id"] if isinstance(a["subscriber"], dict) else a["subscriber"]


def request_subscribers(d):
    """The subscriber of each line of requests.jsonl (None for blank lines): read once, outside the timed passes."""
    out = []
    key = '"subscriber":"'
    with open(os.path.join(d, "requests.jsonl")) as f:
        for line in f:
            if not line.strip():
                out.append(None)
                continue
            k = line.find(key)
            end = line.find('"', k + len(key)) if k >= 0 else -1
            # The generator's lines have no spaces nor escapes in ids; anything else is parsed.
            out.append(line[k + len(key):end] if k >= 0 and end >= 0 and "\\" not in line[k:end]
                       else json.loads(line)["subscriber"])
    return out


def subscriber_sample(subs_by_line, sample):
    """Every k-th subscriber in sorted order (k = ceil(requests / sample)) and the lines of all their requests."""
    total = sum(1 for s in subs_by_line if s is not None)
    k = max(1, -(-total // sample))
    chosen = set(sorted({s for s in subs_by_line if s is not None})[::k])
    return k, chosen, {n for n, s in enumerate(subs_by_line) if s in chosen}


def write_subscriber_sample(d, out, lines_kept, chosen):
    """The subscriber sample as a workload folder of its own: the chosen subscribers' requests (in order) and
    agreements, the same territories and actions. Written before the timed passes, so a pass reads, encodes and
    parses what a full run would per decision, no more (reading all 1,000,000 lines to keep 5% of them would
    charge Cedar's pass 20 times the full run's reading per decision)."""
    os.makedirs(out, exist_ok=True)
    for name in ("territories.json", "actions.json"):
        with open(os.path.join(d, name)) as f, open(os.path.join(out, name), "w") as g:
            g.write(f.read())
    with open(os.path.join(d, "agreements.json")) as f:
        agreements = [a for a in json.load(f) if subscriber_of(a) in chosen]
    with open(os.path.join(out, "agreements.json"), "w") as g:
        json.dump(agreements, g)
    with open(os.path.join(d, "requests.jsonl")) as f, open(os.path.join(out, "requests.jsonl"), "w") as g:
        for k, line in enumerate(f):
            if k in lines_kept:
                g.write(line)


def percentile(xs, q):
    if not xs:
        return 0
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def one_pass(d, policies_out=None, step=1):
    """Everything from the workload files to the decisions; returns (decisions, timings).

    With `step` > 1 only every step-th request (lines 0, step, 2*step, ...) is decided (the former sample,
    kept as a reference). The subscriber sample is a smaller workload folder (`write_subscriber_sample`)
    read whole."""
    t0 = time.perf_counter_ns()
    with open(os.path.join(d, "territories.json")) as f:
        territories = json.load(f)
    with open(os.path.join(d, "actions.json")) as f:
        actions = json.load(f)
    with open(os.path.join(d, "agreements.json")) as f:
        agreements = json.load(f)
    regions = set(territories["regions"])
    by_sub = {}
    for a in agreements:
        sub, ps = encode_agreement(a, regions)
        by_sub.setdefault(sub, []).extend(ps)
    texts = {sub: "".join(ps) for sub, ps in by_sub.items()}
    if policies_out:
        with open(policies_out, "w") as f:
            for sub in sorted(texts):
                f.write(f"// ---- subscriber {sub}\n{texts[sub]}\n")
    t_encode = time.perf_counter_ns()
    policy_sets = {sub: cedarpy.PolicySet.from_str(t) for sub, t in texts.items()}
    empty = cedarpy.PolicySet.from_str("")
    entities = cedarpy.Entities.from_json_str(entities_json(territories, actions))
    t_parse = time.perf_counter_ns()
    ids = []
    groups = {}
    with open(os.path.join(d, "requests.jsonl")) as f:
        for k, line in enumerate(f):
            if k % step:
                continue
            r = json.loads(line)
            ids.append(r.get("id"))
            groups.setdefault(r["subscriber"], ([], []))
            g = groups[r["subscriber"]]
            g[0].append(len(ids) - 1)
            g[1].append(cedar_request(r))
    t_requests = time.perf_counter_ns()
    allowed = [False] * len(ids)
    eval_ns = 0
    errors = 0
    core_us = []  # Cedar's own per-request evaluation time (cedarpy's `authz_duration_micros` metric)
    for sub, (idx, reqs) in groups.items():
        ps = policy_sets.get(sub, empty)
        s = time.perf_counter_ns()
        results = cedarpy.is_authorized_batch(reqs, ps, entities)
        eval_ns += time.perf_counter_ns() - s
        for k, res in zip(idx, results):
            allowed[k] = res.allowed
            core_us.append(res.metrics.get("authz_duration_micros", 0) if res.metrics else 0)
            if res.diagnostics.errors:
                errors += 1
    t_eval = time.perf_counter_ns()
    lines = [f"{i}\t{'permit' if ok else 'deny'}\n" for i, ok in zip(ids, allowed)]
    t_end = time.perf_counter_ns()
    timings = {
        "encode_ns": t_encode - t0, "parse_ns": t_parse - t_encode, "requests_ns": t_requests - t_parse,
        "eval_ns": eval_ns, "eval_loop_ns": t_eval - t_requests, "total_ns": t_end - t0,
        "policies": sum(len(p) for p in by_sub.values()), "subscribers_with_policies": len(by_sub),
        "batches": len(groups), "evaluation_errors": errors,
        "core_us_p50": percentile(core_us, 0.50), "core_us_p99": percentile(core_us, 0.99),
        "core_us_mean": sum(core_us) / max(len(core_us), 1),
    }
    return lines, timings


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", required=True)
    ap.add_argument("--decisions", required=True)
    ap.add_argument("--policies-out")
    ap.add_argument("--sample", type=int, default=0,
                    help="decide about this many requests (a deterministic subset, see --sample-by); 0 = all")
    ap.add_argument("--sample-by", choices=["subscriber", "step"], default="subscriber",
                    help="subscriber: every k-th subscriber with all its requests (default); step: every k-th request")
    ap.add_argument("--no-step-reference", action="store_true",
                    help="with --sample-by subscriber, do not also measure the every-k-th-request sample")
    a = ap.parse_args()
    subs_by_line = request_subscribers(a.dir)
    total = sum(1 for s in subs_by_line if s is not None)
    sampled = 0 < a.sample < total
    step = max(1, -(-total // a.sample)) if sampled else 1
    sample_info = {"by": "all"}
    pass_dir, pass_step = a.dir, 1
    if sampled and a.sample_by == "step":
        pass_step = step
        sample_info = {"by": "step", "step": step}
    elif sampled:
        k, chosen, lines_kept = subscriber_sample(subs_by_line, a.sample)
        pass_dir = tempfile.mkdtemp(prefix="cedar-sample-")
        write_subscriber_sample(a.dir, pass_dir, lines_kept, chosen)
        sample_info = {"by": "subscriber", "every": k, "subscribers": len(chosen),
                       "subscribers_total": len({s for s in subs_by_line if s is not None})}
    reference = step if sampled and a.sample_by == "subscriber" and not a.no_step_reference else None
    runs, step_runs = [], []
    lines = None
    for k in range(max(1, a.runs)):
        # The two samples interleaved, so both meet the same machine state.
        lines, t = one_pass(pass_dir, a.policies_out if k == 0 and not sampled else None, pass_step)
        runs.append(t)
        n = len(lines)
        print(f"cedar pass {k + 1} ({sample_info['by']} sample): {n} requests in {t['batches']} batches, eval {t['eval_ns'] / 1e9:.2f} s "
              f"({t['eval_ns'] / max(n, 1) / 1000:.2f} µs/decision), total {t['total_ns'] / 1e9:.2f} s "
              f"({t['total_ns'] / max(n, 1) / 1000:.2f} µs/decision)", file=sys.stderr)
        if reference:
            ref_lines, r = one_pass(a.dir, None, reference)
            r["requests"] = len(ref_lines)
            step_runs.append(r)
            print(f"cedar pass {k + 1} (every {step}th request, reference): {len(ref_lines)} requests in {r['batches']} batches, "
                  f"eval {r['eval_ns'] / max(len(ref_lines), 1) / 1000:.2f} µs/decision, "
                  f"total {r['total_ns'] / max(len(ref_lines), 1) / 1000:.2f} µs/decision", file=sys.stderr)
    if pass_dir != a.dir:
        shutil.rmtree(pass_dir, ignore_errors=True)
    if a.policies_out and sampled:
        # The policy text of every subscriber (not timed), for reading.
        one_pass_policies(a.dir, a.policies_out)
    with open(a.decisions, "w") as f:
        f.writelines(lines)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out = {
        "tool": "cedarpy", "cedarpy_version": getattr(cedarpy, "__version__", None) or pkg_version("cedarpy"),
        "python": platform.python_version(), "requests": len(lines), "runs": runs,
        "requests_total": total, "sample": sample_info,
        "sample_step": step if sample_info["by"] == "step" else 1,
        "step_runs": step_runs, "step_reference": step if step_runs else None,
        "permits": sum(1 for l in lines if l.endswith("\tpermit\n")),
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "peak_rss_kb": ru.ru_maxrss,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)


def one_pass_policies(d, path):
    """Writes every subscriber's Cedar policies to `path` (the encoding only; nothing parsed nor timed)."""
    with open(os.path.join(d, "territories.json")) as f:
        regions = set(json.load(f)["regions"])
    with open(os.path.join(d, "agreements.json")) as f:
        agreements = json.load(f)
    by_sub = {}
    for a in agreements:
        sub, ps = encode_agreement(a, regions)
        by_sub.setdefault(sub, []).extend(ps)
    with open(path, "w") as f:
        for sub in sorted(by_sub):
            f.write(f"// ---- subscriber {sub}\n{''.join(by_sub[sub])}\n")


def pkg_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001 - version is informative only
        return None


if __name__ == "__main__":
    main()
