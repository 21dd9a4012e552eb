#!/usr/bin/env python3
"""sigma_diff.py - the differential check of the Sigma matching benchmark.

    sigma_diff.py --corpus corpus.hn --sql sigma.sql --alerts alerts.jsonl --pairs sql_pairs.tsv \
                  [--truth truth.tsv] [--events events.jsonl] [--show 20]

hornet's alerts become (Sigma id, line) pairs through the `id` line of each rule of corpus.hn
(an alert names its rule); SQLite's pairs come from sigma_sqlite. Over the rules both sides
have (those of sigma.sql), the two sets must be equal. Prints the counts, the first --show
disagreements (with the rule's file and the event's fields the rule mentions, when --events is
given), and how many crafted events (--truth) each side detected. Exit status 1 when the sets
differ.
"""
import argparse
import collections
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--sql", required=True)
    ap.add_argument("--alerts", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--truth")
    ap.add_argument("--events")
    ap.add_argument("--show", type=int, default=20)
    a = ap.parse_args()

    name2id, id2file = {}, {}
    cur_file = cur_rule = None
    for line in open(a.corpus, encoding="utf-8"):
        if line.startswith("// imported from "):
            cur_file = line[len("// imported from "):].strip()
        elif line.startswith("rule "):
            cur_rule = line.split()[1]
        elif line.startswith("  id ") and cur_rule and cur_rule not in name2id:
            rid = line[5:].strip().strip('"')
            name2id[cur_rule] = rid
            id2file.setdefault(rid, cur_file)
    compared = set()
    for line in open(a.sql, encoding="utf-8"):
        if not line.startswith("#") and "\t" in line:
            compared.add(line.split("\t", 1)[0])

    hornet, other_h, unknown = set(), 0, 0
    for line in open(a.alerts, encoding="utf-8"):
        al = json.loads(line)
        rid = name2id.get(al["rule"])
        if rid is None:
            unknown += 1
            continue
        if rid in compared:
            hornet.add((rid, al["input"]["line"]))
        else:
            other_h += 1
    sql = set()
    for line in open(a.pairs, encoding="utf-8"):
        rid, ln = line.rstrip("\n").split("\t")
        sql.add((rid, int(ln)))

    only_h = sorted(hornet - sql, key=lambda p: (p[1], p[0]))
    only_s = sorted(sql - hornet, key=lambda p: (p[1], p[0]))
    print("rules compared: %d (of %d in the pack)" % (len(compared), len(name2id)))
    print("hornet pairs: %d; SQLite pairs: %d; both: %d" % (len(hornet), len(sql), len(hornet & sql)))
    print("rules that fired: hornet %d, SQLite %d" % (len({p[0] for p in hornet}), len({p[0] for p in sql})))
    if other_h or unknown:
        print("hornet alerts left out: %d of rules not compared, %d of unknown rules" % (other_h, unknown))
    print("disagreements: %d (hornet only %d, SQLite only %d)" % (len(only_h) + len(only_s), len(only_h), len(only_s)))
    by_rule = collections.Counter(p[0] for p in only_h + only_s)
    if by_rule:
        print("disagreeing rules: %d; most: %s" % (len(by_rule), ", ".join("%s (%d)" % x for x in by_rule.most_common(5))))
    lines = {}
    if a.events and (only_h or only_s):
        want = {p[1] for p in (only_h + only_s)[: 4 * a.show]}
        with open(a.events, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                if i in want:
                    lines[i] = json.loads(line)
    shown = 0
    for tag, pairs in (("hornet only", only_h), ("SQLite only", only_s)):
        for rid, ln in pairs:
            if shown >= a.show:
                break
            shown += 1
            print("  %s: %s line %d  (%s)" % (tag, rid, ln, id2file.get(rid, "?").split("/")[-1]))
            if ln in lines:
                ev = lines[ln]
                keep = {k: ev[k] for k in ("EventID", "Channel", "Image", "CommandLine", "ParentImage", "TargetObject",
                                           "Details", "TargetFilename", "ImageLoaded", "ScriptBlockText") if k in ev}
                print("     " + json.dumps(keep, ensure_ascii=False)[:400])
    if a.truth:
        truth = [l.rstrip("\n").split("\t") for l in open(a.truth, encoding="utf-8")]
        truth = [(rid, int(ln)) for ln, rid in truth if rid in compared]
        print("crafted events detected by their rule: hornet %d, SQLite %d of %d"
              % (sum(t in hornet for t in truth), sum(t in sql for t in truth), len(truth)))
    return 1 if only_h or only_s else 0


if __name__ == "__main__":
    sys.exit(main())
