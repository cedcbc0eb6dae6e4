#!/usr/bin/env python3
"""Break a scored cross-check data set down by the slices the summary table hides.

    fraudstream score --input DIR/calls.ndjson --alerts DIR/all.ndjson --threshold 0
    python3 tools/crosscheck/diagnose.py DIR THRESHOLD

Uses every call's score (threshold 0 writes an alert, with reasons, for every call) and the
labels, and prints the alert rate per slice: scam calls answered / unanswered / engaged
(answered, 300 s or more), legit calls whose caller shares the callee's NPA-NXX, legit calls on
gateways that also carry scam campaigns, and the most common top reasons of false positives and
false negatives per class. Python 3.11 standard library only.
"""

import collections
import csv
import json
import sys


def main():
    d, th = sys.argv[1], float(sys.argv[2])
    lab = {r["call_id"]: r for r in csv.DictReader(open(f"{d}/labels.csv", encoding="ascii"))}
    score, reasons = {}, {}
    with open(f"{d}/all.ndjson", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            score[a["call_id"]] = a["score"]
            reasons[a["call_id"]] = [x["feature"] for x in a["reasons"]]
    recs = [json.loads(line) for line in open(f"{d}/calls.ndjson", encoding="utf-8")]
    scam_trunks = {r["trunk"] for r in recs if lab[r["call_id"]]["is_fraud"] == "1"}
    res = collections.defaultdict(lambda: [0, 0])
    top = collections.defaultdict(collections.Counter)

    def count(key, hit):
        res[key][0] += hit
        res[key][1] += 1

    for r in recs:
        cid = r["call_id"]
        s = lab[cid]["scheme"]
        hit = score[cid] >= th
        fraud = lab[cid]["is_fraud"] == "1"
        if fraud:
            count(f"{s} {'answered' if r['disposition'] == 'answered' else 'unanswered'}", hit)
            if r["duration_s"] >= 300:
                count("all scams: engaged (answered, >=300 s)", hit)
            if not hit and reasons[cid]:
                top[f"{s} missed"][reasons[cid][0]] += 1
        else:
            same = r["caller"][:8] == r["callee"][:8]
            count(f"{s} caller same NPA-NXX={same}", hit)
            if s.startswith("legit_international") or s.startswith("legit_offshore"):
                count(f"{s} on a gateway shared with scams={r['trunk'] in scam_trunks}", hit)
            if hit and reasons[cid]:
                top[f"{s} false positive"][reasons[cid][0]] += 1
    for k in sorted(res):
        h, n = res[k]
        print(f"{k:70s} {h:6d}/{n:<7d} {h / n:.3f}")
    for k in sorted(top):
        print(f"{k}: top reason {top[k].most_common(4)}")


if __name__ == "__main__":
    main()
