#!/usr/bin/env python3
"""check.py - correctness checks of the benchmark run (standard library only).

  check.py --truth T --jit A1 --interp A2 --sql PAIRS --pack bench_2000.hn --out result.txt

1. ground truth: every injected attack (line -> rule) raised an alert of that rule (jit);
2. jit and interp alerts are identical (same alert lines, same order);
3. SQLite and hornet agree on the (rule, line) pairs of the non-regex rules.
Prints one line per check and exits 1 if one fails.
"""
import argparse
import json
import re
import sys


def pairs(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            out.append((a["rule"], a["input"]["line"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    for k in ("truth", "jit", "interp", "sql", "pack", "out"):
        ap.add_argument("--" + k, required=True)
    a = ap.parse_args()
    res, ok = [], True

    jit = pairs(a.jit)
    jset = set(jit)
    truth = [(l.split("\t")[1].strip(), int(l.split("\t")[0])) for l in open(a.truth) if l.strip()]
    missed = [t for t in truth if t not in jset]
    ok &= not missed
    res.append("ground truth: %d/%d injected attacks detected by their rule%s" % (
        len(truth) - len(missed), len(truth),
        "" if not missed else "; missed e.g. " + ", ".join("%s@line %d" % m for m in missed[:5])))

    with open(a.jit, "rb") as f1, open(a.interp, "rb") as f2:
        l1, l2 = f1.read().splitlines(), f2.read().splitlines()
    same = l1 == l2
    ok &= same
    if same:
        res.append("jit vs interp: identical (%d alerts)" % len(l1))
    else:
        d = next((i for i, (x, y) in enumerate(zip(l1, l2)) if x != y), min(len(l1), len(l2)))
        res.append("jit vs interp: DIFFER (%d vs %d alerts; first difference at alert %d)" % (len(l1), len(l2), d + 1))

    src = open(a.pack, encoding="utf-8").read()
    regex_rules = set()
    for m in re.finditer(r"^rule (\w+) \{(.*?)^\}", src, re.S | re.M):
        if " matches" in m.group(2):
            regex_rules.add(m.group(1))
    hs = set(p for p in jit if p[0] not in regex_rules)
    ss = set()
    for line in open(a.sql):
        r, n = line.rstrip("\n").split("\t")
        ss.add((r, int(n)))
    only_h, only_s = sorted(hs - ss), sorted(ss - hs)
    agree = not only_h and not only_s
    ok &= agree
    res.append("SQLite vs hornet: %s on %d (rule, event) pairs of the non-regex rules (%d regex rules left out)%s" % (
        "agree" if agree else "DISAGREE", len(hs | ss), len(regex_rules),
        "" if agree else "; only hornet: %d %s; only SQLite: %d %s" % (len(only_h), only_h[:3], len(only_s), only_s[:3])))
    with open(a.out, "w") as f:
        f.write("\n".join(res) + "\n")
    print("\n".join(res))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
