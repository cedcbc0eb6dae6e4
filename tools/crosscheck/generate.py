#!/usr/bin/env python3
"""Independent synthetic call-traffic generator for a generalisation cross-check.

Written from docs/traffic-model.md (the facts) and docs/contracts.md sections 1 and 4 only,
without reference to FraudStream's own generator, so that its modelling choices (area codes,
trunk names, dialler rates, pool sizes, curves, attestation mixes) are independent ones.

    python3 tools/crosscheck/generate.py --calls 200000 --seed 1 --out DIR [--scam-share 0.08]

writes DIR/calls.ndjson and DIR/labels.csv (call_id,is_fraud,scheme,campaign).
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import math
import os
import random
import re
import sys
import time

# --------------------------------------------------------------------------------------------
# Class shares (traffic-model.md defaults). Legit shares are renormalised to 1 - scam_share,
# scam shares are scaled together to scam_share.
LEGIT_SHARES = {
    "legit_domestic": 0.76,
    "legit_business": 0.06,
    "legit_alerts": 0.02,
    "legit_international_family": 0.04,
    "legit_offshore_service": 0.03,
}
SCAM_SHARES = {
    "government_impersonation": 0.03,
    "tech_support": 0.01,
    "neighbor_spoofing": 0.015,
    "wangiri": 0.005,
    "robocall_burst": 0.02,
}
DEFAULT_SCAM_SHARE = sum(SCAM_SHARES.values())  # 0.08

# --------------------------------------------------------------------------------------------
# Geography: NPA -> (UTC offset in November, relative population weight).
NPAS = {
    # Eastern
    "212": (-5, 2.0), "718": (-5, 2.0), "917": (-5, 1.5), "516": (-5, 1.0), "201": (-5, 1.2),
    "732": (-5, 1.2), "973": (-5, 1.0), "617": (-5, 1.2), "215": (-5, 1.2), "412": (-5, 0.8),
    "202": (-5, 0.8), "301": (-5, 1.0), "703": (-5, 1.2), "404": (-5, 1.2), "678": (-5, 1.0),
    "305": (-5, 1.3), "407": (-5, 1.0), "813": (-5, 1.0), "704": (-5, 1.0), "919": (-5, 1.0),
    "313": (-5, 0.8), "614": (-5, 0.9), "216": (-5, 0.7), "317": (-5, 0.8),
    # Central
    "312": (-6, 1.2), "773": (-6, 1.3), "630": (-6, 1.0), "214": (-6, 1.2), "972": (-6, 1.2),
    "713": (-6, 1.5), "281": (-6, 1.2), "512": (-6, 1.0), "210": (-6, 1.0), "615": (-6, 0.8),
    "314": (-6, 0.8), "612": (-6, 0.8), "504": (-6, 0.6), "414": (-6, 0.6), "405": (-6, 0.6),
    # Mountain
    "303": (-7, 1.0), "720": (-7, 0.8), "801": (-7, 0.8), "602": (-7, 1.1), "480": (-7, 1.0),
    "505": (-7, 0.5),
    # Pacific
    "415": (-8, 1.0), "408": (-8, 1.3), "510": (-8, 1.2), "213": (-8, 1.3), "310": (-8, 1.2),
    "818": (-8, 1.1), "626": (-8, 0.9), "714": (-8, 1.1), "619": (-8, 1.0), "916": (-8, 0.9),
    "206": (-8, 1.1), "425": (-8, 0.8), "503": (-8, 0.9), "702": (-8, 1.0),
    # Hawaii
    "808": (-10, 0.4),
}
NPA_LIST = list(NPAS)
NPA_CUM = []
_acc = 0.0
for _n in NPA_LIST:
    _acc += NPAS[_n][1]
    NPA_CUM.append(_acc)
# Indian-diaspora-heavy area codes (family calls land here more often).
DIASPORA_NPAS = ["201", "732", "973", "408", "510", "972", "214", "630", "713", "516", "718", "425"]
TOLL_FREE = ["800", "888", "877", "866", "855", "844", "833"]

# Government agencies' inbound-only numbers (from traffic-model.md) and brand toll-free numbers.
AGENCY_NUMBERS = ["+18008291040", "+18007721213", "+18003755283"]
BRAND_NUMBERS = ["+18006427676", "+18882804331", "+18002752273", "+18004335778",
                 "+18558152726", "+18666223911", "+18882211161"]

# Trunks (own naming). Domestic interconnects: TDM (cannot carry SHAKEN) and SIP.
TDM_TRUNKS = [f"nni.tdm.{c}.{i}" for c in ("lumen", "frontier", "windstream") for i in (1, 2)]
SIP_TRUNKS = [f"nni.sip.{c}.{i}" for c in ("att", "vzw", "tmo", "cmcst", "chtr", "cox")
              for i in (1, 2, 3)]
VOIP_TRUNKS = [f"voip.{c}.{i}" for c in ("bluefin", "callpath", "numcloud", "dialwave",
                                          "sipstream", "ringmesh", "teleflex", "quickroute")
               for i in (1, 2)]
ENT_TRUNKS = [f"ent.sip.{i:02d}" for i in range(1, 41)]
GATEWAYS = {
    "IN": [f"intl.mumbai.{i}" for i in (1, 2, 3)] + [f"intl.chennai.{i}" for i in (1, 2)],
    "PH": ["intl.manila.1", "intl.manila.2"],
    "PK": ["intl.karachi.1"],
    "BD": ["intl.dhaka.1"],
    "MX": ["intl.monterrey.1"],
    "GB": ["intl.london.1", "intl.london.2"],
    "NL": ["intl.amsterdam.1"],
    "DE": ["intl.frankfurt.1"],
    "CN": ["intl.hongkong.1"],
    "NG": ["intl.lagos.1"],
    "JM": ["intl.kingston.1"],
    "MR": ["intl.nouakchott.1"],
    "MD": ["intl.chisinau.1"],
    "DO": ["intl.santodomingo.1"],
    "TC": ["intl.caribhub.1"],
    "VG": ["intl.caribhub.1"],
}

# Per-trunk exporter habit for unsigned calls: omit `attest` or write null.
def _omits_attest(trunk: str) -> bool:
    return (sum(map(ord, trunk)) % 3) == 0


# --------------------------------------------------------------------------------------------
# Time-of-day curves (weights by local hour 0..23).
H_DOMESTIC_WD = [0.25, 0.12, 0.08, 0.06, 0.07, 0.15, 0.45, 1.1, 2.2, 3.2, 3.8, 4.0,
                 4.1, 3.9, 3.8, 4.0, 4.3, 4.9, 5.4, 5.3, 4.6, 3.4, 1.9, 0.8]
H_DOMESTIC_WE = [0.5, 0.3, 0.15, 0.08, 0.07, 0.1, 0.25, 0.6, 1.4, 2.6, 3.6, 4.2,
                 4.4, 4.4, 4.3, 4.3, 4.4, 4.7, 5.0, 4.9, 4.3, 3.4, 2.2, 1.1]
H_BUSINESS = [0, 0, 0, 0, 0, 0, 0, 0.3, 2.0, 4.0, 4.5, 4.3, 3.6, 4.0, 4.2, 4.0, 3.5, 2.6,
              1.2, 0.5, 0.1, 0, 0, 0]
H_FAMILY_WD = [0.4, 0.15, 0.05, 0.03, 0.05, 0.4, 1.6, 2.4, 1.8, 0.8, 0.5, 0.4,
               0.4, 0.4, 0.5, 0.6, 0.8, 1.3, 2.6, 3.6, 4.0, 3.6, 2.4, 1.2]
H_FAMILY_WE = [0.6, 0.3, 0.1, 0.05, 0.1, 0.5, 1.5, 2.8, 3.2, 3.2, 3.0, 2.8,
               2.6, 2.5, 2.5, 2.5, 2.6, 2.8, 3.2, 3.6, 3.8, 3.4, 2.4, 1.3]
H_SERVICE = [0, 0, 0, 0, 0, 0, 0, 0.2, 1.5, 3.0, 3.6, 3.6, 3.2, 3.4, 3.5, 3.3, 3.0, 2.6,
             2.0, 1.3, 0.6, 0.1, 0, 0]
H_TELEMARKET = [0, 0, 0, 0, 0, 0, 0, 0, 0.8, 2.5, 3.5, 3.8, 3.4, 3.6, 3.8, 3.7, 3.4, 3.0,
                2.4, 1.8, 1.0, 0, 0, 0]
H_REMINDER = [0, 0, 0, 0, 0, 0, 0, 0, 1.0, 3.0, 3.5, 3.2, 2.0, 2.6, 3.0, 3.0, 2.6, 1.6,
              0.6, 0.2, 0, 0, 0, 0]
H_PRISON = [0, 0, 0, 0, 0, 0, 0, 0.5, 1.5, 2.5, 3.0, 3.0, 2.5, 2.8, 3.0, 3.2, 3.3, 3.2,
            3.4, 3.6, 3.2, 1.5, 0, 0]


class Clock:
    """Samples call times (UTC epoch seconds) in the period from local-hour weight curves."""

    def __init__(self, start: float, hours: float, rng: random.Random):
        self.start = start
        self.end = start + hours * 3600.0
        self.rng = rng
        self._cache = {}

    def sampler(self, key, tz: int, weight):
        """weight(local_hour, local_weekday) -> weight. Returns (bounds, cum) for sampling."""
        ck = (key, tz)
        s = self._cache.get(ck)
        if s is None:
            bounds, cum, acc = [], [], 0.0
            t = self.start
            while t < self.end:
                nxt = min(self.end, (math.floor((t) / 3600.0) + 1) * 3600.0)
                loc = dt.datetime.fromtimestamp(t + tz * 3600, dt.timezone.utc)
                w = weight(loc.hour, loc.weekday()) * (nxt - t) / 3600.0
                acc += w
                bounds.append((t, nxt))
                cum.append(acc)
                t = nxt
            s = (bounds, cum)
            self._cache[ck] = s
        return s

    def draw(self, key, tz, weight) -> float | None:
        bounds, cum = self.sampler(key, tz, weight)
        if not cum or cum[-1] <= 0:
            return None
        i = bisect.bisect_right(cum, self.rng.random() * cum[-1])
        i = min(i, len(bounds) - 1)
        a, b = bounds[i]
        return a + self.rng.random() * (b - a)

    def local(self, t: float, tz: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(t + tz * 3600, dt.timezone.utc)

    def inside(self, t: float) -> bool:
        return self.start <= t < self.end


def w_domestic(h, wd):
    return (H_DOMESTIC_WE if wd >= 5 else H_DOMESTIC_WD)[h]


def w_business(h, wd):
    return H_BUSINESS[h] * (1.0 if wd < 5 else (0.35 if wd == 5 else 0.08))


def w_family(h, wd):
    return (H_FAMILY_WE if wd >= 5 else H_FAMILY_WD)[h] * (1.6 if wd >= 5 else 1.0)


def w_service(h, wd):
    return H_SERVICE[h] * (1.0 if wd < 5 else 0.4)


def w_telemarket(h, wd):
    return H_TELEMARKET[h] * (1.0 if wd < 5 else (0.5 if wd == 5 else 0.15))


def w_reminder(h, wd):
    return H_REMINDER[h] * (1.0 if wd < 5 else 0.2)


def w_prison(h, wd):
    return H_PRISON[h]


# --------------------------------------------------------------------------------------------
class World:
    """Subscribers of the terminating carrier, their exchanges, contacts and providers."""

    def __init__(self, rng: random.Random, n_subs: int):
        self.rng = rng
        self.exchanges = {}
        bad = {"555", "950", "958", "959", "976"}
        for npa in NPA_LIST:
            ex = set()
            while len(ex) < 28:
                nxx = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
                if nxx[1:] == "11" or nxx in bad:
                    continue
                ex.add(nxx)
            self.exchanges[npa] = sorted(ex)
        self.numbers = []
        self.npa_of = []
        self.by_npa = {n: [] for n in NPA_LIST}
        seen = set()
        npas = rng.choices(NPA_LIST, cum_weights=NPA_CUM, k=n_subs)
        for npa in npas:
            while True:
                num = f"+1{npa}{rng.choice(self.exchanges[npa])}{rng.randint(0, 9999):04d}"
                if num not in seen:
                    break
            seen.add(num)
            self.by_npa[npa].append(len(self.numbers))
            self.numbers.append(num)
            self.npa_of.append(npa)
        self.seen = seen
        # Per-subscriber activity and originating provider.
        self.activity_cum = []
        acc = 0.0
        for _ in range(n_subs):
            acc += rng.lognormvariate(0.0, 0.6)
            self.activity_cum.append(acc)
        self.provider = []  # (trunk, signs)
        for _ in range(n_subs):
            r = rng.random()
            if r < 0.28:
                self.provider.append((rng.choice(TDM_TRUNKS), 0.0))
            elif r < 0.94:
                self.provider.append((rng.choice(SIP_TRUNKS), 0.78))
            else:
                self.provider.append((rng.choice(VOIP_TRUNKS), 0.7))
        self._contacts = {}

    def tz(self, number: str) -> int:
        if number.startswith("+1") and len(number) == 12:
            v = NPAS.get(number[2:5])
            if v:
                return v[0]
        return -6

    def random_sub(self) -> int:
        return self.rng.randrange(len(self.numbers))

    def sub_in(self, npa: str) -> int:
        lst = self.by_npa.get(npa)
        if not lst:
            return self.random_sub()
        return self.rng.choice(lst)

    def fresh_number(self, npa: str | None = None, nxx: str | None = None) -> str:
        rng = self.rng
        if npa is None:
            npa = rng.choices(NPA_LIST, cum_weights=NPA_CUM)[0]
        if nxx is None:
            nxx = rng.choice(self.exchanges[npa]) if npa in self.exchanges and rng.random() < 0.8 \
                else f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(2, 9)}"
        return f"+1{npa}{nxx}{rng.randint(0, 9999):04d}"

    def contacts(self, i: int):
        c = self._contacts.get(i)
        if c is None:
            rng = self.rng
            npa = self.npa_of[i]
            num = self.numbers[i]
            frequent, occasional = [], []
            nf = rng.randint(5, 13)
            no = rng.randint(8, 20)
            for lst, k in ((frequent, nf), (occasional, no)):
                while len(lst) < k:
                    r = rng.random()
                    if r < 0.5:
                        j = self.sub_in(npa)
                        if r < 0.08:  # a neighbour on the same exchange
                            cands = [x for x in rng.sample(self.by_npa[npa], min(40, len(self.by_npa[npa])))
                                     if self.numbers[x][5:8] == num[5:8]]
                            if cands:
                                j = cands[0]
                    else:
                        j = self.random_sub()
                    if j != i:
                        lst.append(j)
            c = (frequent, occasional)
            self._contacts[i] = c
        return c


def attest_for(rng, signs: float, mix=(0.9, 0.07, 0.03)):
    if rng.random() >= signs:
        return None
    r = rng.random()
    if r < mix[0]:
        return "A"
    if r < mix[0] + mix[1]:
        return "B"
    return "C"


def pick_attest(rng, dist):
    """dist: (p_none, p_A, p_B, p_C)."""
    r = rng.random()
    if r < dist[0]:
        return None
    r -= dist[0]
    if r < dist[1]:
        return "A"
    r -= dist[1]
    if r < dist[2]:
        return "B"
    return "C"


def lognorm_clip(rng, median, sigma, lo, hi):
    return min(hi, max(lo, median * math.exp(rng.gauss(0.0, sigma))))


# --------------------------------------------------------------------------------------------
class Gen:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        start = dt.datetime.strptime(args.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        self.clock = Clock(start.timestamp(), args.hours, self.rng)
        total = args.calls
        ss = args.scam_share
        lsum = sum(LEGIT_SHARES.values())
        self.targets = {k: int(round(total * (1 - ss) * v / lsum)) for k, v in LEGIT_SHARES.items()}
        for k, v in SCAM_SHARES.items():
            self.targets[k] = int(round(total * ss * v / DEFAULT_SCAM_SHARE))
        n_subs = max(3000, int(self.targets["legit_domestic"] / 3.6))
        self.world = World(self.rng, n_subs)
        self.calls = []  # (t, caller, callee, orig, trunk, attest, disp, ring_ms, dur, scheme, campaign)
        self.camp_seq = {}

    # -- helpers ---------------------------------------------------------------------------
    def add(self, t, caller, callee, orig, trunk, attest, disp, ring_ms, dur, scheme, campaign=""):
        if not self.clock.inside(t):
            return False
        if disp != "answered":
            dur = 0.0
        self.calls.append((t, caller, callee, orig, trunk, attest, disp, int(ring_ms), dur, scheme, campaign))
        return True

    def campaign_name(self, kind):
        n = self.camp_seq.get(kind, 0) + 1
        self.camp_seq[kind] = n
        return f"x{kind}-{n:02d}"

    def outcome(self, p_ans, p_na, p_busy, ring_ans, ring_na, talk, p_rej=0.0):
        """Returns (disposition, ring_ms, duration_s)."""
        rng = self.rng
        r = rng.random()
        if r < p_ans:
            return "answered", rng.uniform(*ring_ans) * 1000, round(talk(), 1)
        r -= p_ans
        if r < p_na:
            return "no_answer", rng.uniform(*ring_na) * 1000, 0.0
        r -= p_na
        if r < p_busy:
            return "busy", rng.uniform(0.2, 1.5) * 1000, 0.0
        r -= p_busy
        if r < p_rej:
            return "rejected", rng.uniform(0.0, 0.8) * 1000, 0.0
        return "failed", rng.uniform(0.0, 3.0) * 1000 if rng.random() < 0.5 else 0, 0.0

    def count(self, scheme):
        return sum(1 for c in self.calls if c[9] == scheme)

    # -- legit_domestic ----------------------------------------------------------------------
    def domestic_call(self, t, i, j, scheme="legit_domestic", callee_num=None, talk=None):
        rng, w = self.rng, self.world
        caller = w.numbers[i]
        callee = callee_num or w.numbers[j]
        trunk, signs = w.provider[i]
        att = attest_for(rng, signs)
        if rng.random() < 0.015:
            caller = "anonymous"
        talk = talk or (lambda: lognorm_clip(rng, 60.0, 1.05, 1.0, 14400.0))
        disp, ring, dur = self.outcome(0.70, 0.22, 0.05, (2.5, 18.0), (20.0, 30.0), talk)
        return self.add(t, caller, callee, "US", trunk, att, disp, ring, dur, scheme)

    def gen_domestic(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        n = 0
        callers = rng.choices(range(len(w.numbers)), cum_weights=w.activity_cum, k=budget)
        for i in callers:
            if n >= budget:
                break
            freq, occ = w.contacts(i)
            if rng.random() < 0.85:
                k = min(len(freq) - 1, int(rng.paretovariate(1.3)) - 1)
                j = freq[k]
            else:
                j = rng.choice(occ)
            t = clk.draw("dom", w.tz(w.numbers[j]), w_domestic)
            if t is None:
                continue
            if self.domestic_call(t, i, j):
                n += 1
                last = self.calls[-1]
                # A missed call is often returned by the callee within minutes.
                if last[6] != "answered" and rng.random() < 0.3 and n < budget:
                    if self.domestic_call(t + rng.uniform(60, 1800), j, i):
                        n += 1
        return n

    # -- legit_business ----------------------------------------------------------------------
    def gen_business(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        n = 0
        kinds = ["pharmacy", "bank", "clinic", "delivery", "insurer", "utility", "dealer"]
        while n < budget:
            kind = rng.choice(kinds)
            npa = rng.choices(NPA_LIST, cum_weights=NPA_CUM)[0]
            nums = []
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                if kind in ("bank", "insurer", "utility") and rng.random() < 0.7:
                    nums.append(f"+1{rng.choice(TOLL_FREE)}{rng.randint(2000000, 9999999)}")
                else:
                    nums.append(w.fresh_number(npa))
            trunk = rng.choice(ENT_TRUNKS) if rng.random() < 0.6 else rng.choice(SIP_TRUNKS)
            local = kind in ("pharmacy", "clinic", "dealer", "delivery")
            for num in nums:
                volume = int(lognorm_clip(rng, 280, 0.6, 80, 1500) * self.args.hours / 24.0)
                for _ in range(volume):
                    if n >= budget:
                        break
                    j = w.sub_in(npa) if (local and rng.random() < 0.8) else w.random_sub()
                    callee = w.numbers[j]
                    t = clk.draw("biz", w.tz(callee), w_business)
                    if t is None:
                        continue
                    att = "A" if rng.random() < 0.97 else "B"
                    talk = lambda: math.exp(rng.uniform(math.log(30), math.log(300)))
                    disp, ring, dur = self.outcome(0.50, 0.37, 0.07, (3.0, 20.0), (20.0, 30.0), talk)
                    if self.add(t, num, callee, "US", trunk, att, disp, ring, dur, "legit_business"):
                        n += 1
                    if disp != "answered" and rng.random() < 0.3 and n < budget:
                        disp, ring, dur = self.outcome(0.55, 0.35, 0.05, (3.0, 20.0), (20.0, 30.0), talk)
                        if self.add(t + rng.uniform(1800, 10800), num, callee, "US", trunk, att,
                                    disp, ring, dur, "legit_business"):
                            n += 1
        return n

    # -- legit_alerts ------------------------------------------------------------------------
    def gen_alerts(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        n = 0
        b_school = int(budget * 0.55)
        b_remind = int(budget * 0.30)
        b_prison = budget - b_school - b_remind
        short = lambda: rng.uniform(20.0, 40.0)
        # School closures: one A-attested number per district, a roster, 45-minute bursts.
        ns = 0
        guard = 0
        while ns < b_school and guard < 200:
            guard += 1
            npa = rng.choices(NPA_LIST, cum_weights=NPA_CUM)[0]
            tz = NPAS[npa][0]
            num = w.fresh_number(npa)
            trunk = rng.choice(VOIP_TRUNKS[:6] + ENT_TRUNKS[:4])
            roster_n = min(b_school - ns, rng.randint(400, 2500))
            roster = [w.numbers[w.sub_in(npa)] if rng.random() < 0.9 else w.numbers[w.random_sub()]
                      for _ in range(roster_n)]
            roster = list(dict.fromkeys(roster))
            days = max(1, int(math.ceil(self.args.hours / 24.0)))
            # Evening announcement then morning reminder (same roster), or a single burst.
            day0 = clk.local(clk.start, tz).replace(hour=0, minute=0, second=0, microsecond=0)
            both = rng.random() < 0.5
            mode = rng.random()
            options = []
            for d in range(-1, days + 1):
                ws = []
                if both or mode < 0.5:
                    ws.append(day0 + dt.timedelta(days=d, hours=21, minutes=45))
                if both or mode >= 0.5:
                    ws.append(day0 + dt.timedelta(days=d + 1, hours=6))
                ws = [x.timestamp() - tz * 3600 for x in ws]
                ws = [x for x in ws if clk.inside(x)]
                if ws:
                    options.append(ws)
            if not options:
                continue
            for t0 in rng.choice(options):
                span = rng.uniform(25, 45) * 60
                order = roster[:]
                rng.shuffle(order)
                for k, callee in enumerate(order):
                    t = t0 + span * k / len(order) + rng.uniform(0, 1.5)
                    disp, ring, dur = self.outcome(0.58, 0.33, 0.05, (2.0, 15.0), (20.0, 30.0), short)
                    if self.add(t, num, callee, "US", trunk, "A", disp, ring, dur, "legit_alerts"):
                        ns += 1
                        if ns >= b_school:
                            break
                if ns >= b_school:
                    break
        n += ns
        # Appointment reminders: clinic numbers, patients called (often twice).
        nr = 0
        while nr < b_remind:
            npa = rng.choices(NPA_LIST, cum_weights=NPA_CUM)[0]
            num = w.fresh_number(npa)
            trunk = rng.choice(ENT_TRUNKS)
            for _ in range(rng.randint(60, 400)):
                if nr >= b_remind:
                    break
                callee = w.numbers[w.sub_in(npa)]
                for rep in range(rng.choice((1, 1, 2))):
                    t = clk.draw("rem", NPAS[npa][0], w_reminder)
                    if t is None:
                        break
                    disp, ring, dur = self.outcome(0.55, 0.38, 0.04, (2.0, 15.0), (20.0, 30.0), short)
                    if self.add(t, num, callee, "US", trunk, "A", disp, ring, dur, "legit_alerts"):
                        nr += 1
        n += nr
        # Prison calls: inmate calling service numbers, recurring families.
        npr = 0
        while npr < b_prison:
            npa = rng.choices(NPA_LIST, cum_weights=NPA_CUM)[0]
            num = w.fresh_number(npa)
            trunk = rng.choice(ENT_TRUNKS)
            families = [w.numbers[w.sub_in(npa) if rng.random() < 0.7 else w.random_sub()]
                        for _ in range(rng.randint(40, 200))]
            for callee in families:
                for _ in range(rng.choice((1, 1, 2, 3))):
                    if npr >= b_prison:
                        break
                    t = clk.draw("pri", w.tz(callee), w_prison)
                    if t is None:
                        break
                    talk = (lambda: rng.uniform(20.0, 40.0)) if rng.random() < 0.75 else \
                        (lambda: rng.uniform(180.0, 900.0))
                    disp, ring, dur = self.outcome(0.6, 0.33, 0.04, (2.0, 15.0), (20.0, 30.0), talk)
                    if self.add(t, num, callee, "US", trunk, "A", disp, ring, dur, "legit_alerts"):
                        npr += 1
        n += npr
        return n

    # -- legit_international_family ------------------------------------------------------------
    def gen_family(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        n = 0
        others = [("MX", "+52"), ("PH", "+63"), ("GB", "+44"), ("CN", "+86"), ("NG", "+234"),
                  ("JM", "+1876")]
        while n < budget:
            if rng.random() < 0.9:
                country = "IN"
                caller = f"+91{rng.choice('6789')}{rng.randint(0, 999999999):09d}"
            else:
                country, cc = rng.choice(others)
                digits = 7 if cc == "+1876" else (10 if cc in ("+52", "+63", "+44", "+234") else 11)
                caller = f"{cc}{rng.randint(1, 9)}{rng.randint(0, 10 ** (digits - 1) - 1):0{digits - 1}d}"
            j = w.sub_in(rng.choice(DIASPORA_NPAS)) if rng.random() < 0.6 else w.random_sub()
            callee = w.numbers[j]
            tz = w.tz(callee)
            # Stable pairs: the same relatives call the same number; a couple of calls a day.
            k = rng.choice((1, 1, 2, 2, 3, 4))
            trunk_pref = rng.choice(GATEWAYS[country])
            for _ in range(k):
                if n >= budget:
                    break
                t = clk.draw("fam", tz, w_family)
                if t is None:
                    break
                trunk = trunk_pref if rng.random() < 0.85 else rng.choice(GATEWAYS[country])
                talk = lambda: lognorm_clip(rng, rng.uniform(360, 600), 0.8, 5.0, 10800.0)
                disp, ring, dur = self.outcome(0.74, 0.20, 0.03, (3.0, 20.0), (20.0, 32.0), talk)
                if self.add(t, caller, callee, country, trunk, None, disp, ring, dur,
                            "legit_international_family"):
                    n += 1
                    # dropped international call: redial within a minute or two
                    if disp == "failed" and rng.random() < 0.6 and n < budget:
                        disp2, ring2, dur2 = self.outcome(0.8, 0.15, 0.02, (3.0, 15.0), (20.0, 30.0), talk)
                        if self.add(t + rng.uniform(20, 150), caller, callee, country, trunk, None,
                                    disp2, ring2, dur2, "legit_international_family"):
                            n += 1
        return n

    # -- legit_offshore_service (+ the customers' earlier inbound calls, labelled legit_domestic)
    def gen_offshore(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        n = 0
        inbound = 0
        companies = []
        n_comp = max(3, budget // 300)
        for c in range(n_comp):
            country = "IN" if rng.random() < 0.6 else "PH"
            if c < 2:
                nums = [BRAND_NUMBERS[1 + c]]  # brands that scammers also spoof
            else:
                nums = [f"+1{rng.choice(TOLL_FREE)}{rng.randint(2000000, 9999999)}"
                        if rng.random() < 0.7 else w.fresh_number()
                        for _ in range(rng.choice((1, 1, 2)))]
            p_c = rng.uniform(0.6, 0.95)
            companies.append((country, nums, p_c, GATEWAYS[country]))
        while n < budget:
            country, nums, p_c, trunks = rng.choice(companies)
            num = rng.choice(nums)
            j = w.random_sub()
            callee = w.numbers[j]
            t = clk.draw("svc", w.tz(callee), w_service)
            if t is None:
                continue
            if rng.random() < 0.8:
                lag = lognorm_clip(rng, 2400, 1.1, 90, 36 * 3600)
                ti = t - lag
                if clk.inside(ti):
                    trunk, signs = w.provider[j]
                    talk = lambda: lognorm_clip(rng, 300, 0.8, 20, 3600)
                    disp, ring, dur = self.outcome(0.92, 0.0, 0.04, (0.5, 3.0), (20.0, 30.0), talk)
                    if self.add(ti, callee, num, "US", trunk, attest_for(rng, signs), disp, ring, dur,
                                "legit_domestic"):
                        inbound += 1
            trunk = rng.choice(trunks)
            for attempt in range(3):
                att = "C" if rng.random() < p_c else "B"
                talk = lambda: rng.uniform(120.0, 900.0)
                disp, ring, dur = self.outcome(0.60, 0.30, 0.05, (3.0, 20.0), (20.0, 30.0), talk)
                if self.add(t, num, callee, country, trunk, att, disp, ring, dur, "legit_offshore_service"):
                    n += 1
                if disp == "answered" or rng.random() < 0.5 or n >= budget:
                    break
                t += rng.uniform(600, 5400)
        return n, inbound

    # -- scam machinery ----------------------------------------------------------------------
    def blast_campaigns(self, scheme, kind, budget, n_camp):
        """Government impersonation and tech support: blast sessions, engaged victims re-called."""
        rng, w, clk = self.rng, self.world, self.clock
        n = 0
        shares = [rng.uniform(0.6, 1.4) for _ in range(n_camp)]
        tot = sum(shares)
        for ci in range(n_camp):
            cb = int(round(budget * shares[ci] / tot)) if ci < n_camp - 1 else budget - n
            name = self.campaign_name(kind)
            offshore = rng.random() < (0.75 if scheme == "government_impersonation" else 0.9)
            if offshore:
                if scheme == "tech_support":
                    country = rng.choices(["IN", "PH", "PK", "BD"], weights=[7, 1, 1, 1])[0]
                else:
                    country = "IN"
                orig = country
                trunks = rng.sample(GATEWAYS[country], min(len(GATEWAYS[country]), rng.randint(1, 3)))
                adist = (rng.uniform(0.55, 0.7), 0.01, rng.uniform(0.02, 0.07), 1.0)
            else:
                orig = "US"
                trunks = rng.sample(VOIP_TRUNKS, rng.randint(2, 4))
                adist = (rng.uniform(0.2, 0.4), 0.03, rng.uniform(0.12, 0.25), 1.0)
            # Spoofed caller-ID pool.
            target_npas = rng.sample(NPA_LIST, rng.randint(2, 6)) if rng.random() < 0.6 else None
            pool = []
            if scheme == "government_impersonation":
                if rng.random() < 0.6:
                    pool += rng.sample(AGENCY_NUMBERS, rng.randint(1, 3))
                pool += [w.fresh_number("202") for _ in range(rng.randint(1, 4))]
                police_npas = target_npas or rng.sample(NPA_LIST, 3)
                police = [w.fresh_number(rng.choice(police_npas)) for _ in range(rng.randint(1, 4))]
                pool += police
            else:
                if rng.random() < 0.7:
                    pool += rng.sample(BRAND_NUMBERS, rng.randint(1, 3))
                pool += [w.fresh_number() for _ in range(rng.randint(2, 6))]
                police = pool[:]
            ans_rate = rng.uniform(0.05, 0.15)
            engage = rng.uniform(0.01, 0.03)
            agents = rng.randint(4, 12)
            per_agent = rng.uniform(100, 300)
            rate = agents * per_agent / 3600.0  # calls per second campaign-wide

            def pick_callee():
                if target_npas and rng.random() < 0.7:
                    j = w.sub_in(rng.choice(target_npas))
                elif rng.random() < 0.9:
                    j = w.random_sub()
                else:
                    return w.fresh_number()
                return w.numbers[j]

            def pick_attest_c():
                return pick_attest(rng, (adist[0], adist[1], adist[2], 0))

            victims = []
            cn = 0
            guard = 0
            reserve = 6 + int(cb * ans_rate * engage * 4)
            while cn < cb - reserve and guard < 500:
                guard += 1
                # Sessions inside the India night shift = US business hours (13:30-23:00 UTC),
                # weekdays only.
                day = rng.randrange(max(1, int(math.ceil(self.args.hours / 24.0))) + 1)
                base = dt.datetime.fromtimestamp(clk.start, dt.timezone.utc).replace(
                    hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=day)
                if base.weekday() >= 5:
                    continue
                s0 = base.timestamp() + rng.uniform(13.5, 22.0) * 3600
                length = rng.uniform(15, 90) * 60
                t = s0
                while t < s0 + length and cn < cb - reserve:
                    t += rng.expovariate(rate)
                    callee = pick_callee()
                    caller = rng.choice(pool)
                    att = pick_attest_c()
                    trunk = rng.choice(trunks)
                    r = rng.random()
                    if r < ans_rate:
                        disp, ring = "answered", rng.uniform(2.0, 12.0) * 1000
                        dur = round(lognorm_clip(rng, 11.0, 0.5, 5.0, 30.0), 1)
                    else:
                        disp, ring, dur = self.outcome(0.0, 0.78, 0.08, (0, 0), (10.0, 30.0),
                                                       lambda: 0.0, p_rej=0.04)
                    if self.add(t, caller, callee, orig, trunk, att, disp, ring, dur, scheme, name):
                        cn += 1
                    if disp == "answered" and rng.random() < engage:
                        victims.append((t, callee, caller))
            # Engaged victims: a live agent calls from another ID, then repeat calls over days.
            # Victims engaged before the period started are still being worked.
            for _ in range(max(1, len(victims)) + rng.randint(0, 2)):
                if rng.random() < 0.7:
                    victims.append((clk.start - rng.uniform(6, 72) * 3600, pick_callee(), rng.choice(pool)))
            for (t0, callee, last) in victims:
                t = t0 + rng.uniform(120, 1500)
                ids = [p for p in pool if p != last] or pool
                for rep in range(rng.randint(2, 5)):
                    caller = rng.choice(ids)
                    if rep >= 1 and scheme == "government_impersonation":
                        caller = rng.choice([p for p in police if p != last] or ids)
                    last = caller
                    ids = [p for p in pool if p != last] or pool
                    if rng.random() < 0.85:
                        disp, ring = "answered", rng.uniform(2.0, 10.0) * 1000
                        dur = round(rng.uniform(600.0, 3600.0), 1)
                    else:
                        disp, ring, dur = "no_answer", rng.uniform(15.0, 30.0) * 1000, 0.0
                    if self.add(t, caller, callee, orig, rng.choice(trunks), pick_attest_c(), disp,
                                ring, dur, scheme, name):
                        cn += 1
                    t += rng.uniform(3, 30) * 3600
            n += cn
        return n

    def gen_neighbor(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        n_camp = max(1, int(round(budget / 900)))
        modes = ["nxx", "npa", "weak"]
        n = 0
        for ci in range(n_camp):
            cb = budget // n_camp if ci < n_camp - 1 else budget - n
            name = self.campaign_name("nbr")
            mode = modes[ci % 3] if n_camp > 1 else rng.choice(modes)
            p_nxx, p_npa = {"nxx": (0.85, 0.1), "npa": (0.06, 0.6), "weak": (0.2, 0.2)}[mode]
            if rng.random() < 0.85:
                orig, trunks = "US", rng.sample(VOIP_TRUNKS, rng.randint(1, 3))
            else:
                orig, trunks = "IN", rng.sample(GATEWAYS["IN"], 2)
            adist = (0.25, 0.03, 0.27, 0)
            ans = rng.uniform(0.08, 0.2)
            region = rng.sample(NPA_LIST, rng.randint(3, 12)) if rng.random() < 0.5 else None
            cn = 0
            while cn < cb:
                j = w.sub_in(rng.choice(region)) if region else w.random_sub()
                callee = w.numbers[j]
                t = clk.draw("tele", w.tz(callee), w_telemarket)
                if t is None:
                    break
                npa, nxx = callee[2:5], callee[5:8]
                r = rng.random()
                if r < p_nxx:
                    caller = f"+1{npa}{nxx}{rng.randint(0, 9999):04d}"
                elif r < p_nxx + p_npa:
                    caller = w.fresh_number(npa)
                else:
                    caller = w.fresh_number()
                if caller == callee:
                    continue
                if rng.random() < ans:
                    disp, ring = "answered", rng.uniform(2.0, 10.0) * 1000
                    dur = round(rng.uniform(5.0, 40.0) if rng.random() < 0.88 else rng.uniform(60, 300), 1)
                else:
                    disp, ring, dur = self.outcome(0.0, 0.8, 0.07, (0, 0), (12.0, 30.0), lambda: 0.0,
                                                   p_rej=0.05)
                if self.add(t, caller, callee, orig, rng.choice(trunks), pick_attest(rng, adist), disp,
                            ring, dur, "neighbor_spoofing", name):
                    cn += 1
            n += cn
        return n

    def gen_wangiri(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        sources = [("+222", "MR", 8), ("+882", "NL", 10), ("+373", "MD", 8), ("+1809", "DO", 7),
                   ("+1876", "JM", 7), ("+1649", "TC", 7), ("+1284", "VG", 7)]
        n = 0
        while n < budget:
            name = self.campaign_name("wan")
            cc, country, digits = rng.choice(sources)
            if rng.random() < 0.35:
                country = rng.choice(["GB", "NL", "DE"])  # entered via a transit carrier
            trunk_choices = GATEWAYS.get(country, GATEWAYS["GB"])
            pool = []
            for _ in range(rng.randint(2, 15)):
                if cc == "+882":
                    pool.append(f"{cc}16{rng.randint(0, 10 ** 8 - 1):08d}")
                elif cc == "+222":
                    pool.append(f"{cc}{rng.choice('234')}{rng.randint(0, 9999999):07d}")
                elif cc == "+373":
                    pool.append(f"{cc}{rng.choice('67')}{rng.randint(0, 9999999):07d}")
                else:
                    pool.append(f"{cc}{rng.randint(2, 9)}{rng.randint(0, 999999):06d}")
            npa = rng.choices(NPA_LIST, cum_weights=NPA_CUM)[0]
            tz = NPAS[npa][0]
            size = min(budget - n, rng.randint(120, 450))
            rate = rng.uniform(15, 60) / 60.0
            # overnight in the target area code
            base = clk.local(clk.start, tz).replace(hour=0, minute=0, second=0, microsecond=0)
            days = max(1, int(math.ceil(self.args.hours / 24.0)))
            cands = []
            for day in range(days + 1):
                t = (base + dt.timedelta(days=day)).timestamp() - tz * 3600 + rng.uniform(0.5, 4.5) * 3600
                if clk.inside(t):
                    cands.append(t)
            # overnight in the target area code (or the start of the period if none fits)
            t = rng.choice(cands) if cands else clk.start + rng.uniform(0, 1800)
            nxx = rng.choice(w.exchanges[npa])
            line = rng.randint(0, 9999 - size * 2)
            made = 0
            for _ in range(size):
                t += rng.expovariate(rate)
                line += 1 if rng.random() < 0.8 else rng.randint(2, 4)
                if line > 9999:
                    break
                callee = f"+1{npa}{nxx}{line:04d}"
                r = rng.random()
                if r < 0.96:
                    disp, ring = "no_answer", lognorm_clip(rng, 3000, 0.35, 800, 5900)
                else:
                    disp, ring = ("busy" if r < 0.98 else "failed"), rng.uniform(0, 1500)
                att = None if rng.random() < 0.85 else "C"
                if self.add(t, rng.choice(pool), callee, country, rng.choice(trunk_choices), att, disp,
                            ring, 0.0, "wangiri", name):
                    made += 1
            n += made
            if made == 0 and size > 0:
                n += 1  # avoid an endless loop on tiny periods
        return n

    def gen_robocall(self, budget):
        rng, w, clk = self.rng, self.world, self.clock
        n_camp = max(1, min(3, int(round(budget / 2000))))
        n = 0
        for ci in range(n_camp):
            cb = budget // n_camp if ci < n_camp - 1 else budget - n
            name = self.campaign_name("robo")
            pool = [w.fresh_number() for _ in range(max(10, cb // 3))]
            trunks = rng.sample(VOIP_TRUNKS, rng.randint(3, 8))
            ans = rng.uniform(0.06, 0.12)
            cn = 0
            while cn < cb:
                j = w.random_sub()
                callee = w.numbers[j] if rng.random() < 0.85 else w.fresh_number()
                t = clk.draw("tele", w.tz(callee), w_telemarket)
                if t is None:
                    break
                if rng.random() < ans:
                    disp, ring = "answered", rng.uniform(2.0, 10.0) * 1000
                    dur = round(rng.uniform(10.0, 30.0) if rng.random() < 0.82 else rng.uniform(120.0, 420.0), 1)
                else:
                    disp, ring, dur = self.outcome(0.0, 0.8, 0.06, (0, 0), (10.0, 28.0), lambda: 0.0,
                                                   p_rej=0.06)
                att = pick_attest(rng, (0.05, 0.0, 0.45, 0))
                if self.add(t, rng.choice(pool), callee, "US", rng.choice(trunks), att, disp, ring, dur,
                            "robocall_burst", name):
                    cn += 1
            n += cn
        return n

    # -- run ---------------------------------------------------------------------------------
    def run(self):
        tg = self.targets
        rng = self.rng
        _, inbound = self.gen_offshore(tg["legit_offshore_service"])
        self.gen_business(tg["legit_business"])
        self.gen_alerts(tg["legit_alerts"])
        self.gen_family(tg["legit_international_family"])
        self.blast_campaigns("government_impersonation", "gov", tg["government_impersonation"],
                             max(1, int(round(tg["government_impersonation"] / 1500))))
        self.blast_campaigns("tech_support", "tech", tg["tech_support"],
                             max(1, int(round(tg["tech_support"] / 1000))))
        self.gen_neighbor(tg["neighbor_spoofing"])
        self.gen_wangiri(tg["wangiri"])
        self.gen_robocall(tg["robocall_burst"])
        self.gen_domestic(max(0, tg["legit_domestic"] - inbound))
        # Disorder: emit sorted by start + jitter in [0, 4.9 s) for a few records, so no record
        # comes more than 4.9 s after one that starts later.
        keyed = []
        for c in self.calls:
            j = rng.uniform(0, 4.9) if rng.random() < 0.05 else 0.0
            keyed.append((c[0] + j, c))
        keyed.sort(key=lambda x: x[0])
        return [c for _, c in keyed]


# --------------------------------------------------------------------------------------------
def fmt_time(t: float) -> str:
    ms = int(round(t * 1000))
    sec, milli = divmod(ms, 1000)
    g = time.gmtime(sec)
    return (f"{g.tm_year:04d}-{g.tm_mon:02d}-{g.tm_mday:02d}T{g.tm_hour:02d}:{g.tm_min:02d}:"
            f"{g.tm_sec:02d}.{milli:03d}Z")


def write(out_dir, calls, seed):
    os.makedirs(out_dir, exist_ok=True)
    cp = os.path.join(out_dir, "calls.ndjson")
    lp = os.path.join(out_dir, "labels.csv")
    with open(cp, "w", encoding="ascii", newline="\n") as f, \
            open(lp, "w", encoding="ascii", newline="") as g:
        lw = csv.writer(g, lineterminator="\n")
        lw.writerow(["call_id", "is_fraud", "scheme", "campaign"])
        buf = []
        for k, c in enumerate(calls, 1):
            t, caller, callee, orig, trunk, att, disp, ring, dur, scheme, camp = c
            cid = f"xk{seed % 1000:03d}-{k:08d}"
            if att is None:
                a = "" if _omits_attest(trunk) else ',"attest":null'
            else:
                a = f',"attest":"{att}"'
            d = "0" if disp != "answered" else (f"{dur:.1f}" if dur != int(dur) else f"{int(dur)}")
            buf.append(f'{{"start":"{fmt_time(t)}","call_id":"{cid}","caller":"{caller}",'
                       f'"callee":"{callee}","trunk":"{trunk}","orig_country":"{orig}"{a},'
                       f'"disposition":"{disp}","duration_s":{d},"ring_ms":{ring}}}\n')
            lw.writerow([cid, 1 if scheme not in LEGIT_SHARES else 0, scheme, camp])
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    return cp, lp


# --------------------------------------------------------------------------------------------
# Validation against contracts.md section 1 (and a disorder check).
import json

_START = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|\+00:00)$")
_PRINT = re.compile(r"^[\x21-\x7e]{1,64}$")
_PHONE = re.compile(r"^\+\d{1,15}$")


def validate(out_dir, max_disorder=5.0):
    ids = set()
    errors = 0
    newest = None
    worst = 0.0
    n = 0
    with open(os.path.join(out_dir, "calls.ndjson"), "rb") as f:
        for ln, raw in enumerate(f, 1):
            n += 1
            try:
                r = json.loads(raw.decode("utf-8"))
                assert isinstance(r, dict)
                cid = r["call_id"]
                assert isinstance(cid, str) and _PRINT.match(cid) and cid not in ids
                ids.add(cid)
                m = _START.match(r["start"])
                assert m
                ts = dt.datetime(*(int(m.group(i)) for i in range(1, 7)), tzinfo=dt.timezone.utc)
                tsec = ts.timestamp() + (float(m.group(7)) if m.group(7) else 0.0)
                c = r["caller"]
                assert isinstance(c, str) and (c == "anonymous" or _PHONE.match(c))
                assert isinstance(r["callee"], str) and _PHONE.match(r["callee"])
                assert isinstance(r["orig_country"], str) and re.fullmatch(r"[A-Z]{2}", r["orig_country"])
                assert isinstance(r["trunk"], str) and _PRINT.match(r["trunk"])
                assert r.get("attest") in (None, "A", "B", "C")
                d = r["disposition"]
                assert d in ("answered", "no_answer", "busy", "failed", "rejected")
                rm = r["ring_ms"]
                assert type(rm) is int and 0 <= rm <= 600000
                du = r["duration_s"]
                assert type(du) in (int, float) and 0 <= du <= 86400
                assert d == "answered" or du == 0
                if newest is not None and tsec < newest:
                    worst = max(worst, newest - tsec)
                newest = tsec if newest is None else max(newest, tsec)
            except Exception as e:  # noqa: BLE001
                errors += 1
                if errors <= 5:
                    print(f"invalid line {ln}: {e!r}: {raw[:200]!r}", file=sys.stderr)
    ok = errors == 0 and worst <= max_disorder
    print(f"validated={n} invalid={errors} max_disorder_s={worst:.3f} ok={str(ok).lower()}",
          file=sys.stderr)
    return ok


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=200000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--scam-share", type=float, default=DEFAULT_SCAM_SHARE)
    p.add_argument("--start", default="2026-11-02T00:00:00Z", help="UTC, YYYY-MM-DDTHH:MM:SSZ")
    p.add_argument("--hours", type=float, default=24.0)
    p.add_argument("--check", action="store_true", help="validate the written file against the contract")
    a = p.parse_args(argv)
    if not 0.0 <= a.scam_share < 1.0:
        p.error("--scam-share must be in [0, 1)")
    t0 = time.time()
    g = Gen(a)
    calls = g.run()
    write(a.out, calls, a.seed)
    counts = {}
    for c in calls:
        counts[c[9]] = counts.get(c[9], 0) + 1
    for k in list(LEGIT_SHARES) + list(SCAM_SHARES):
        print(f"{k:28s} {counts.get(k, 0):8d} {counts.get(k, 0) / max(1, len(calls)):.4f}", file=sys.stderr)
    fraud = sum(v for k, v in counts.items() if k in SCAM_SHARES)
    ok = validate(a.out) if a.check else True
    print(f"calls={len(calls)} fraud={fraud} scam_share={fraud / max(1, len(calls)):.4f} "
          f"campaigns={sum(g.camp_seq.values())} seconds={time.time() - t0:.1f} out={a.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
