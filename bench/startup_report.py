#!/usr/bin/env python3
"""startup_report.py OUT - the markdown section of bench/startup.sh from what it measured in OUT
(bench/out/startup): wallrss.py's JSON, bench/loadtime's and bench/hsprof's lines, bench/push's
output, perf's shares and meta.json. Ratios first, then each table."""
import json
import os
import re
import statistics
import sys

OUT = os.path.abspath(sys.argv[1])
ROOT = os.path.normpath(os.path.join(OUT, "../../.."))


def load(name):
    with open(os.path.join(OUT, name)) as f:
        return json.load(f)


def lines(name):
    p = os.path.join(OUT, name)
    return open(p).read().splitlines() if os.path.exists(p) else []


def med(v):
    return statistics.median(v) if v else float("nan")


def pairs(res, a, b, key="wall_ms"):
    """A/B per round (A and B ran in the same round), median, min, max."""
    r = [x / y for x, y in zip(res[a][key], res[b][key])]
    return med(r), min(r), max(r)


def kv(line):
    """`name value name value ...` into a dict (numbers where they parse)."""
    w = line.split()
    d = {}
    for k, v in zip(w[0::2], w[1::2]):
        try:
            d[k] = float(v)
        except ValueError:
            d[k] = v
    return d


meta = load("meta.json")
st = load("startup.json")
tp = load("throughput.json")
W = lambda k: med(st[k]["wall_ms"])
C = lambda k: med(st[k]["cpu_ms"])
R = lambda k: med(st[k]["rss_kb"]) / 1024
L = []
w = L.append

# ---- the in-process breakdown ------------------------------------------------------------------
def breakdown(pack):
    runs = [kv(l) for l in lines("loadtime_%s.txt" % pack)]
    by = {m: [r for r in runs if r.get("mode") == m] for m in ("full", "interp", "noprefilter", "selftest")}
    f = lambda m, k: med([r[k] for r in by[m]])
    # differences between modes within a round (the four modes run in turn, round after round)
    d = lambda m1, m2, k: med([a[k] - b[k] for a, b in zip(by[m1], by[m2])])
    hs = {}
    for l in lines("hsprof_%s.txt" % pack):
        m = re.match(r"(\w+) hsprof (\S+) calls (\d+) ms ([\d.]+)", l)
        if m:
            hs.setdefault((m.group(1), m.group(2)), []).append((int(m.group(3)), float(m.group(4))))
    H = lambda mode, fn: (med([c for c, _ in hs.get((mode, fn), [])]), med([t for _, t in hs.get((mode, fn), [])]))
    mm = [kv(l) for l in lines("mmap_%s.txt" % pack)]
    perf = {}
    for l in lines("perf_%s.txt" % pack):
        m = re.match(r"\s+([\d.]+)%\s+([\d.]+)%\s+\[.\]\s+(.*?)\s{2,}", l)
        if m:
            c, s = perf.get(m.group(3), (0.0, 0.0))
            perf[m.group(3)] = (c + float(m.group(1)), s + float(m.group(2)))
    faults = lines("faults_%s.txt" % pack)
    return dict(f=f, d=d, H=H, mm=mm, perf=perf, faults=faults)


bd = {p: breakdown(p) for p in ("sigma", "bench_2000")}
push = {p: {l.split()[0]: kv(l.split(None, 1)[1]) for l in lines("push_%s.txt" % p)} for p in ("bench", "sigma")}
for p in push:
    first = lines("push_%s.txt" % p)[0].split()
    push[p]["head"] = dict(zip(first[0::2], first[1::2]))

# ---- the section ---------------------------------------------------------------------------------
w("## Start-up, pack images and the session API (issue 11, bench/startup.sh)\n")
w("Written by `bench/startup.sh /work/shared/sigma` (tree %s%s; %s, %d cores, shared: load average %s at the "
  "start, %s at the end). Every time is a median: start-up over %d rounds, throughput over %d, each round running "
  "every command once in turn, so a ratio is taken within a round and its median quoted (min–max after it). "
  "Whole commands are timed by `bench/wallrss.py` (wall clock from fork to wait4, CPU time from wait4, peak RSS from "
  "one more run under `/usr/bin/time`); the parts "
  "inside a process by `clock_gettime` in bench/loadtime.c and bench/push.c, and bench/hsprof.c (an LD_PRELOAD "
  "shim) for the libraries' calls. Packs from source run with their object code and pattern databases cached "
  "(`HORNET_CACHE_DIR`, warmed first); images are built by `hornet build PACK -o PACK.hnp` (native code for "
  "x86-64-v2, the default).\n" % (
      meta["commit"], " with uncommitted changes" if meta["dirty"] else "", meta["cpu"], meta["nproc"],
      meta["load_start"], meta["load_end"], meta["runs"], meta["truns"]))

s_img, s_img_lo, s_img_hi = pairs(st, "sigma_img", "sigma_src")
s_emb, s_emb_lo, s_emb_hi = pairs(st, "sigma_embed", "sigma_src")
b_img, b_img_lo, b_img_hi = pairs(st, "bench_img", "bench_src")
b_emb, b_emb_lo, b_emb_hi = pairs(st, "bench_embed", "bench_src")


def eps(k, n):
    return n / (med(tp[k]["wall_ms"]) / 1e3)


def tp_ratio(pack):
    """events/s of the image over the source's, per round."""
    r = [s / i for s, i in zip(tp[pack + "_src"]["wall_ms"], tp[pack + "_img"]["wall_ms"])]
    return med(r), min(r), max(r)


tb, tb_lo, tb_hi = tp_ratio("bench")
ts, ts_lo, ts_hi = tp_ratio("sigma")
rng = lambda lo, hi, f="%.2f": (" (" + f + "–" + f + ")") % (lo, hi)

w("### Ratios\n")
w("| ratio | value | goal |")
w("| --- | ---: | --- |")
cpu_ratio = lambda a, b: pairs(st, a, b, "cpu_ms")[0]
def goal(k):
    if W(k) <= 50:
        return "met"
    if C(k) <= 50:
        return "met in CPU time (%.0f ms); the wall clock, %.0f ms, counts a busy machine's other processes" % (C(k), W(k))
    return "missed, %.1f× in CPU time" % (C(k) / 50)
w("| **SigmaHQ Windows corpus (%d rules), start-up: `hornet run IMAGE` ÷ `hornet run PACK` (cached)** | **%.2f**%s: "
  "%.0f ms against %.0f ms (CPU: %.2f, %.0f ms against %.0f) | |" % (
      meta["sigma_rules"], s_img, rng(s_img_lo, s_img_hi), W("sigma_img"), W("sigma_src"),
      cpu_ratio("sigma_img", "sigma_src"), C("sigma_img"), C("sigma_src")))
w("| **SigmaHQ corpus: a program on libhornet alone (examples/embed) loading the image** ÷ `hornet run PACK` "
  "| **%.2f**%s: **%.0f ms** (CPU %.0f ms) | **≤ 50 ms: %s** |" % (s_emb, rng(s_emb_lo, s_emb_hi), W("sigma_embed"),
                                                               C("sigma_embed"), goal("sigma_embed")))
w("| 2,000-rule benchmark pack, start-up: `hornet run IMAGE` ÷ `hornet run PACK` (cached) | %.2f%s: %.0f ms against "
  "%.0f ms (CPU: %.2f) | |" % (b_img, rng(b_img_lo, b_img_hi), W("bench_img"), W("bench_src"),
                               cpu_ratio("bench_img", "bench_src")))
w("| 2,000-rule pack: examples/embed loading the image ÷ `hornet run PACK` | %.2f%s: %.0f ms (CPU %.0f ms) | ≤ 50 ms: %s |" % (
    b_emb, rng(b_emb_lo, b_emb_hi), W("bench_embed"), C("bench_embed"), goal("bench_embed")))
for p, label, n in (("bench", "2,000-rule pack, %s events" % format(meta["events"], ","), meta["events"]),
                    ("sigma", "SigmaHQ corpus, %s of its events" % format(meta["push_win_events"], ","), 0)):
    q = push[p]
    w("| push overhead, %s: `hn_session_push` per event ÷ `hn_run_stream` per event | %.2f (%.0f ns against %.0f ns) | |"
      % (label, q["push"]["ns_per_event"] / q["stream"]["ns_per_event"], q["push"]["ns_per_event"],
         q["stream"]["ns_per_event"]))
w("| throughput, 2,000-rule pack, %s events: image ÷ source (events/s) | %.2f%s | alerts identical: %s |" % (
    format(meta["events"], ","), tb, rng(tb_lo, tb_hi), meta["same_bench"]))
w("| throughput, SigmaHQ corpus, %s events: image ÷ source (events/s) | %.2f%s | alerts identical: %s |" % (
    format(meta["win_events"], ","), ts, rng(ts_lo, ts_hi), meta["same_sigma"]))
w("")

# ---- 1. start-up --------------------------------------------------------------------------------
w("### 1-2. Start-up (a one-line input)\n")
w("| what | wall (ms) | min–max | CPU (ms) | peak RSS (MB, `/usr/bin/time`) |")
w("| --- | ---: | ---: | ---: | ---: |")
rows = [
    ("sigma_src", "SigmaHQ corpus from source, cached: `hornet run sigma.hn`"),
    ("sigma_img", "SigmaHQ corpus from its image: `hornet run sigma.hnp`"),
    ("sigma_embed", "SigmaHQ image in examples/embed (libhornet.so alone)"),
    ("bench_src", "2,000-rule pack from source, cached: `hornet run bench_2000.hn`"),
    ("bench_img", "2,000-rule pack from its image: `hornet run bench_2000.hnp`"),
    ("bench_embed", "2,000-rule image in examples/embed"),
    ("cli_floor", "`hornet version` (the CLI's floor: it links %s)" % (meta["cli_libs"] or "libLLVM")),
    ("lib_floor", "examples/embed on the examples/acme image (libhornet's floor)"),
    ("selftest_floor", "bench/loadtime: a process on libhornet that runs the pattern engine's self-test and exits"),
]
for k, label in rows:
    v = st[k]["wall_ms"]
    w("| %s | %.0f | %.0f–%.0f | %.0f | %.0f |" % (label, med(v), min(v), max(v), C(k), R(k)))
w("")
w("Images: the SigmaHQ corpus %.1f MB (`hornet build` with the cache off: %.1f s, most of it LLVM), the 2,000-rule pack %.1f MB "
  "(%.1f s). examples/embed links %s(no libLLVM, no libyaml); the CLI links libLLVM (%.0f MB), and `hornet version` "
  "alone, which loads and relocates it, takes %.0f ms of any CLI start-up: the image's start-up in the CLI is that "
  "floor plus what examples/embed does.\n" % (
      meta["sigma_image_bytes"] / 1e6, meta["sigma_build_ms"] / 1e3, meta["bench_image_bytes"] / 1e6,
      meta["bench_build_ms"] / 1e3, meta["embed_libs"], meta["llvm_bytes"] / 1e6, W("cli_floor")))

# ---- the breakdown --------------------------------------------------------------------------------
w("**Where the image's start-up goes**, in CPU time (the wall clock of a busy shared machine counts other "
  "processes' turns too): bench/loadtime, medians of %d runs in new processes; the libraries' calls by bench/hsprof, "
  "medians of 5 (CPU time of the calling thread; hs_scan's wall clock); perf shares of 10 loads when perf is "
  "installed.\n" % meta["runs"])
w("| part | how it is measured | SigmaHQ corpus (ms) | 2,000 rules (ms) |")
w("| --- | --- | ---: | ---: |")


def both(fn):
    return [fn(bd["sigma"], "sigma"), fn(bd["bench_2000"], "bench_2000")]


def row(label, how, vals, fmt="%.1f"):
    w("| %s | %s | %s |" % (label, how, " | ".join(fmt % v if isinstance(v, float) else str(v) for v in vals)))


row("whole process, examples/embed", "wallrss (start-up table): CPU (wall)",
    ["%.0f (%.0f)" % (C("sigma_embed"), W("sigma_embed")), "%.0f (%.0f)" % (C("bench_embed"), W("bench_embed"))])
row("process start and exit, libraries loaded (libhs, libstdc++, PCRE2)",
    "wallrss: CPU of bench/loadtime's self-test run, less the self-test",
    both(lambda b, p: C("selftest_floor") - b["f"]("selftest", "selftest_cpu_ms")))
row("in main(): self-test + load + session + first event + teardown", "loadtime full, `in_main_cpu_ms`",
    both(lambda b, p: b["f"]("full", "in_main_cpu_ms")))
row("the pattern engine's self-test (once per process)", "loadtime, `hn_pattern_engine_selftest()` before the load",
    both(lambda b, p: b["f"]("full", "selftest_cpu_ms")))
row("**`hn_program_load`, all of it**", "loadtime full (wall in brackets)",
    both(lambda b, p: "**%.1f** (%.1f)" % (b["f"]("full", "load_cpu_ms"), b["f"]("full", "load_ms"))))
row("— mapping, hash, relocation and validation, regexes, index, decoder", "loadtime noprefilter (no databases, no dlopen)",
    both(lambda b, p: b["f"]("noprefilter", "load_cpu_ms")))
row("— — of which PCRE2 compile + JIT of the `matches` constants", "hsprof: pcre2_compile + pcre2_jit_compile",
    both(lambda b, p: b["H"]("full", "pcre2_compile_8")[1] + b["H"]("full", "pcre2_jit_compile_8")[1]))
row("— the prefilter (patterns re-derived, databases read and checked)", "loadtime interp − noprefilter (per round)",
    both(lambda b, p: b["d"]("interp", "noprefilter", "load_cpu_ms")))
row("— — `hs_expression_info` of each regex pattern", "hsprof (calls)",
    both(lambda b, p: "%.1f (%d)" % (b["H"]("full", "hs_expression_info")[1], b["H"]("full", "hs_expression_info")[0])))
row("— — `hs_deserialize_database`", "hsprof (databases)",
    both(lambda b, p: "%.1f (%d)" % (b["H"]("full", "hs_deserialize_database")[1] - b["H"]("selftest", "hs_deserialize_database")[1],
                                     b["H"]("full", "hs_deserialize_database")[0] - b["H"]("selftest", "hs_deserialize_database")[0])))
row("— — each database scanned for its own literals", "hsprof: hs_scan of the load (scans)",
    both(lambda b, p: "%.1f (%d)" % (b["H"]("full", "hs_scan")[1] - b["H"]("selftest", "hs_scan")[1],
                                     b["H"]("full", "hs_scan")[0] - b["H"]("selftest", "hs_scan")[0])))
row("— — `hs_alloc_scratch`", "hsprof", both(lambda b, p: b["H"]("full", "hs_alloc_scratch")[1]))
row("— the native code (memfd, dlopen, symbols)", "loadtime full − interp (per round; noise when below zero); dlopen alone by hsprof",
    both(lambda b, p: "%.1f (dlopen %.1f)" % (b["d"]("full", "interp", "load_cpu_ms"), b["H"]("full", "dlopen")[1])))
row("a session and the first event", "loadtime full",
    both(lambda b, p: b["f"]("full", "session_cpu_ms") + b["f"]("full", "first_event_cpu_ms")))
row("teardown (session and program freed)", "loadtime full", both(lambda b, p: b["f"]("full", "teardown_cpu_ms")))
w("")


def perf_share(b, sym, self=False):
    v = b["perf"].get(sym)
    return v[1 if self else 0] if v else None


if meta["perf"] and bd["sigma"]["perf"]:
    w("perf shares of the samples in loadtime (full load, 10 runs; DWARF unwinding, so inlined functions count "
      "in their caller; perf slows page faults, so read these as proportions):\n")
    w("| function | what it is | SigmaHQ corpus | 2,000 rules |")
    w("| --- | --- | ---: | ---: |")
    syms = [("hn_program_load", "the load, all of it (children)", False),
            ("hn_program_load", "its own code: the header check and the content hash over the file (self)", True),
            ("relocate_one", "relocation and checks of every table (children: the copy-on-write faults)", False),
            ("hn_program_validate", "every index checked in range", False),
            ("hn_prefilter_restore", "the prefilter (children)", False),
            ("db_check", "each database against its own literals", False),
            ("hn_pf_selftest_run", "the engine's self-test", False),
            ("hn_index_build", "the rule index", False),
            ("prepare_regexes", "PCRE2 compile and JIT", False),
            ("hn_decoder_create", "the event decoder", False),
            ("hn_inventory_build", "the inventories' lookups", False),
            ("handle_mm_fault", "page faults, everywhere (kernel)", False)]
    for sym, what, self in syms:
        vals = [perf_share(bd[p], sym, self) for p in ("sigma", "bench_2000")]
        w("| `%s`%s | %s | %s |" % (sym, " (self)" if self else "", what,
                                  " | ".join("%.1f%%" % v if v is not None else "–" for v in vals)))
    w("")

mm = {p: bd[p]["mm"] for p in bd}
if mm["sigma"]:
    f = lambda p, k: med([r[k] for r in mm[p]])
    w("The page-fault floor (`loadtime IMAGE mmap BYTES`: no hornet call; the file mapped private and writable as "
      "hn_program_load maps it, every 8-byte word read once in a dependent hash chain, then one byte written in "
      "each page of the program section, as relocation writes pointers there): SigmaHQ image %.1f ms to read and "
      "hash %.1f MB, %.1f ms to write %d pages (%.0f µs a copy-on-write fault); 2,000-rule image %.1f ms and %.1f ms "
      "(%d pages). Minor page faults of a whole load (`/usr/bin/time`, full / no prefilter): SigmaHQ %s, 2,000 rules %s.\n" % (
          f("sigma", "read_hash_ms"), f("sigma", "bytes") / 1e6, f("sigma", "write_ms"), f("sigma", "write_pages"),
          1e3 * f("sigma", "write_ms") / max(1, f("sigma", "write_pages")),
          f("bench_2000", "read_hash_ms"), f("bench_2000", "write_ms"), f("bench_2000", "write_pages"),
          " / ".join(bd["sigma"]["faults"]), " / ".join(bd["bench_2000"]["faults"])))
slow = lines("hsprof_slow_sigma.txt")
if slow:
    w("The slowest `hs_expression_info` calls of the SigmaHQ image's load (one run):\n")
    w("```")
    for l in sorted(slow, key=lambda l: -float(l.split()[3]))[:8]:
        w(l.replace("hsprof slow hs_expression_info ", ""))
    w("```\n")

# ---- 3. push -------------------------------------------------------------------------------------------
w("### 3. Push overhead (bench/push.c, in one process over one loaded image)\n")
w("The lines are read into memory first, then each is pushed with `hn_session_push` (its alerts written by "
  "`hnx_write_alert` to /dev/null, as the stream runner writes them); the stream runner `hn_run_stream` reads the "
  "same file (page cache, through fopen's default buffer as `hornet run --input` does, and once more with a 1 MiB "
  "buffer) and writes its alerts to /dev/null. The modes run in turn, round after round, medians of the rounds. Session creation, flush and free are inside both "
  "timings. Before timing, one run of each wrote its alerts to a file: they must be byte-identical.\n")
w("| pack, events | push (ns/event) | push, alerts only counted | hn_run_stream (ns/event) | hn_run_stream, 1 MiB input buffer | push ÷ stream | alerts, identical |")
w("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
for p, label in (("bench", "2,000 rules, %s ECS events" % format(meta["events"], ",")),
                 ("sigma", "SigmaHQ corpus, %s Windows events" % format(meta["push_win_events"], ","))):
    q = push[p]
    w("| %s | %.0f (%.0f–%.0f) | %.0f | %.0f (%.0f–%.0f) | %.0f | %.3f | %s, %s |" % (
        label, q["push"]["ns_per_event"], q["push"]["min"], q["push"]["max"], q["push-count"]["ns_per_event"],
        q["stream"]["ns_per_event"], q["stream"]["min"], q["stream"]["max"], q["stream-1m"]["ns_per_event"],
        q["push"]["ns_per_event"] / q["stream"]["ns_per_event"], q["head"]["alerts"], q["head"]["identical"]))
w("")

# ---- 4. throughput ---------------------------------------------------------------------------------------
w("### 4. Image against source: `hornet run` over the real-rule benchmarks\n")
w("| pack, events | from source: wall (s), events/s | from its image: wall (s), events/s | image ÷ source (events/s) | peak RSS source / image (MB) | alerts | identical |")
w("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
for p, label, n, same, alerts in (("bench", "2,000 rules, %s events of gen_events" % format(meta["events"], ","),
                                   meta["events"], meta["same_bench"], meta["alerts_bench"]),
                                  ("sigma", "SigmaHQ corpus, %s events of gen_winevents.py" % format(meta["win_events"], ","),
                                   meta["win_events"], meta["same_sigma"], meta["alerts_sigma"])):
    r, lo, hi = tp_ratio(p)
    w("| %s | %.3f, %s | %.3f, %s | %.2f (%.2f–%.2f) | %.0f / %.0f | %d | %s |" % (
        label, med(tp[p + "_src"]["wall_ms"]) / 1e3, format(int(eps(p + "_src", n)), ","),
        med(tp[p + "_img"]["wall_ms"]) / 1e3, format(int(eps(p + "_img", n)), ","), r, lo, hi,
        med(tp[p + "_src"]["rss_kb"]) / 1024, med(tp[p + "_img"]["rss_kb"]) / 1024, alerts, same))
w("")
w("Commands (from bench/startup.sh; `$OUT` is bench/out/startup, `H` build-bench/hornet, `B` build-bench/bench):\n")
w("```sh")
for res in (st, tp):
    for k in res:
        w("%-12s %s" % (k, res[k]["cmd"].replace(OUT, "$OUT").replace(ROOT + "/build-bench/bench/", "$B/")
                               .replace(ROOT + "/build-bench/hornet", "$H")))
w("$B/loadtime $OUT/PACK.hnp full|interp|noprefilter|selftest EVENT     # the parts, %d runs each" % meta["runs"])
w("LD_PRELOAD=$B/libhsprof.so $B/loadtime $OUT/PACK.hnp full             # the libraries' calls")
w("$B/push $OUT/bench_2000.hnp $OUT/events.jsonl %d; $B/push $OUT/sigma.hnp $OUT/winevents_push.jsonl 3" % meta["push_runs"])
w("```")
print("\n".join(L))
