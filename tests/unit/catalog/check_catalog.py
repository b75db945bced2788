#!/usr/bin/env python3
# ruff: noqa
# fmt: off
# Vendored unchanged (apart from these four comment lines) from the shared catalog
# source folder ../shared/data/catalog/check_catalog.py (revision 2026-12-06); the
# tests run it on the shipped copy in src/skylift/catalog/data (test_shipped_catalog.py).
"""Sanity checks for the bundled price catalog (stdlib only).

Run:  python3 check_catalog.py [catalog_dir]
Exit status 0 when every check passes, 1 otherwise. Prints a summary either way.

Checks
  header        aws/azure/gcp.csv share one header (README column list)
  currency      every row has a currency; CNY only in cn-* regions, USD elsewhere
  prices        on-demand price present and > 0; spot, when present, > 0 and <= on-demand
  duplicates    no duplicate (cloud, instance_type, region)
  regions       every region that README.md lists for a file has rows in that file
  readme_counts the row counts in README.md's file table match the files
  constrained   Azure constrained-vCPU sizes (Standard_E8-4as_v5 ...): vcpus = the number
                after the dash, vcpus_parent = the parent's vcpus, price = the parent's
                price in the same region (Linux compute is billed at the parent's rate)
  windows       within one family/series and region, no size is priced at the family's
                per-vCPU Linux rate plus the Windows licence uplift (0.046 USD per vCPU-hour;
                0.0046 for Azure B-series), i.e. no Windows price hides among Linux ones
  doubling      in one family and region, a size with 2x the vCPUs of another is not cheaper
"""
import csv
import os
import re
import sys
from collections import Counter, defaultdict

FILES = ("aws.csv", "azure.csv", "gcp.csv")
WIN_UPLIFT = 0.046      # USD per vCPU-hour, Windows Server licence (AWS and Azure)
WIN_UPLIFT_B = 0.0046   # Azure B-series (burstable) Windows uplift per vCPU-hour
TOL = 0.0004            # per-vCPU tolerance for the uplift pattern (prices are rounded)
AZ_CONSTRAINED = re.compile(r"^Standard_([A-Z]+)(\d+)-(\d+)(.*)$")


def family(cloud, itype):
    """Group key for 'same family/generation' (size number or size word removed)."""
    if cloud == "aws":
        return itype.split(".")[0]
    if cloud == "azure":
        m = AZ_CONSTRAINED.match(itype)
        if m:  # constrained sizes form their own group, e.g. Standard_E#-#as_v5
            return "Standard_%s#-#%s" % (m.group(1), m.group(4))
        return re.sub(r"^(Standard_[A-Z]+)(\d+)", r"\1#", itype)
    # gcp: n2-standard-4 -> n2-standard ; a2-highgpu-1g -> a2-highgpu ; e2-micro -> e2-micro
    return re.sub(r"-(\d+[a-z]*|metal)$", "", itype)


def fnum(s):
    return float(s) if s not in ("", None) else None


class Checker:
    def __init__(self, d):
        self.d = d
        self.failures = defaultdict(list)
        self.passed = Counter()
        self.rows = {}
        self.header = {}

    def fail(self, check, msg):
        self.failures[check].append(msg)

    def ok(self, check, n=1):
        self.passed[check] += n

    def load(self):
        for f in FILES:
            with open(os.path.join(self.d, f), newline="") as fh:
                r = csv.DictReader(fh)
                self.header[f] = r.fieldnames
                self.rows[f] = list(r)

    def check_header(self):
        hs = {tuple(h) for h in self.header.values()}
        if len(hs) != 1:
            self.fail("header", "headers differ: %s" % self.header)
        else:
            self.ok("header")

    def check_rows(self):
        for f, rows in self.rows.items():
            seen = Counter()
            for r in rows:
                key = (r["cloud"], r["instance_type"], r["region"])
                seen[key] += 1
                cur = r["currency"].strip()
                if not cur:
                    self.fail("currency", "%s %s: empty currency" % (f, key))
                elif r["region"].startswith("cn-") != (cur == "CNY") or cur not in ("USD", "CNY"):
                    self.fail("currency", "%s %s: currency %s" % (f, key, cur))
                else:
                    self.ok("currency")
                od = fnum(r["price_hour_ondemand"])
                sp = fnum(r["price_hour_spot"])
                if od is None or od <= 0:
                    self.fail("prices", "%s %s: on-demand %r" % (f, key, r["price_hour_ondemand"]))
                elif sp is not None and not (0 < sp <= od):
                    self.fail("prices", "%s %s: spot %s vs on-demand %s" % (f, key, sp, od))
                else:
                    self.ok("prices")
            dups = [k for k, n in seen.items() if n > 1]
            for k in dups:
                self.fail("duplicates", "%s: %s x%d" % (f, k, seen[k]))
            if not dups:
                self.ok("duplicates")

    def check_readme(self):
        path = os.path.join(self.d, "README.md")
        text = open(path, encoding="utf-8").read()
        found = 0
        for line in text.splitlines():
            m = re.match(r"^\|\s*`(aws|azure|gcp)\.csv`\s*\|\s*([\d,]+)[^|]*\|(.*)\|\s*$", line)
            if not m:
                continue
            found += 1
            f = m.group(1) + ".csv"
            want = int(m.group(2).replace(",", ""))
            have = len(self.rows[f])
            if want != have:
                self.fail("readme_counts", "%s: README says %d rows, file has %d" % (f, want, have))
            else:
                self.ok("readme_counts")
            regions = set(re.findall(r"`([a-z]+[a-z0-9-]*\d?)`", m.group(3)))
            present = {r["region"] for r in self.rows[f]}
            for reg in sorted(regions):
                if reg not in present:
                    self.fail("regions", "%s: README lists region %s, no rows" % (f, reg))
                else:
                    self.ok("regions")
        if found != len(FILES):
            self.fail("regions", "README file table: expected %d rows, parsed %d" % (len(FILES), found))

    def check_constrained(self):
        rows = self.rows["azure.csv"]
        idx = {(r["instance_type"], r["region"]): r for r in rows}
        for r in rows:
            m = AZ_CONSTRAINED.match(r["instance_type"])
            if not m:
                if r.get("vcpus_parent"):
                    self.fail("constrained", "%s %s: vcpus_parent set on a non-constrained size"
                              % (r["instance_type"], r["region"]))
                continue
            name = (r["instance_type"], r["region"])
            active = int(m.group(3))
            parent = "Standard_%s%s%s" % (m.group(1), m.group(2), m.group(4))
            if int(float(r["vcpus"])) != active:
                self.fail("constrained", "%s: vcpus %s, name says %d active" % (name, r["vcpus"], active))
                continue
            p = idx.get((parent, r["region"]))
            if p is None:
                self.ok("constrained")  # parent not offered/kept in that region
                continue
            if r.get("vcpus_parent", "") != p["vcpus"]:
                self.fail("constrained", "%s: vcpus_parent %r, parent has %s" % (name, r.get("vcpus_parent", ""), p["vcpus"]))
            elif abs(float(r["price_hour_ondemand"]) - float(p["price_hour_ondemand"])) > 1e-9:
                self.fail("constrained", "%s: price %s, parent %s %s" % (
                    name, r["price_hour_ondemand"], parent, p["price_hour_ondemand"]))
            else:
                self.ok("constrained")

    def groups(self):
        for f, rows in self.rows.items():
            g = defaultdict(list)
            for r in rows:
                g[(r["cloud"], family(r["cloud"], r["instance_type"]), r["region"])].append(r)
            for k, members in g.items():
                yield k, members

    def check_windows(self):
        for (cloud, fam, region), members in self.groups():
            if cloud == "gcp" or len(members) < 2:
                continue
            # burstable AWS t* and Azure M-series sizes are not priced linearly per vCPU
            if (cloud == "aws" and fam.startswith("t")) or (cloud == "azure" and fam.startswith("Standard_M")):
                continue
            unit = WIN_UPLIFT_B if (cloud == "azure" and fam.startswith("Standard_B")) else WIN_UPLIFT
            rates = []
            for r in members:
                v = int(float(r.get("vcpus_parent", "") or r["vcpus"]))  # billed size
                rates.append((float(r["price_hour_ondemand"]) / v, r))
            lo = min(x for x, _ in rates)
            n_lo = sum(1 for x, _ in rates if x - lo <= TOL)
            bad = [r for x, r in rates if abs(x - lo - unit) <= TOL]
            if bad and n_lo >= 1:
                for r in bad:
                    self.fail("windows", "%s %s %s: %s/vCPU-h above family Linux rate %.5f by ~%s" % (
                        cloud, r["instance_type"], region,
                        "%.5f" % (float(r["price_hour_ondemand"]) / int(float(r.get("vcpus_parent", "") or r["vcpus"]))),
                        lo, unit))
            else:
                self.ok("windows", len(members))

    def check_doubling(self):
        for (cloud, fam, region), members in self.groups():
            byv = defaultdict(list)
            for r in members:
                byv[float(r["vcpus"])].append(float(r["price_hour_ondemand"]))
            bad = False
            for v, prices in byv.items():
                if 2 * v in byv and min(byv[2 * v]) < max(prices) - 1e-9:
                    bad = True
                    self.fail("doubling", "%s %s %s: %g vCPU costs %s but %g vCPU costs %s" % (
                        cloud, fam, region, v, max(prices), 2 * v, min(byv[2 * v])))
            if not bad:
                self.ok("doubling")

    def summary(self):
        print("Catalog: %s" % os.path.abspath(self.d))
        for f in FILES:
            rows = self.rows[f]
            per = Counter(r["region"] for r in rows)
            spot = sum(1 for r in rows if r["price_hour_spot"])
            types = len({r["instance_type"] for r in rows})
            cur = Counter(r["currency"] for r in rows)
            print("  %-10s %6d rows, %5d types, %2d regions, spot on %5d rows, currency %s" % (
                f, len(rows), types, len(per), spot, dict(cur)))
            print("             " + ", ".join("%s=%d" % kv for kv in sorted(per.items())))
        print("Checks:")
        names = ["header", "currency", "prices", "duplicates", "regions", "readme_counts",
                 "constrained", "windows", "doubling"]
        for n in names:
            fails = self.failures.get(n, [])
            status = "FAIL" if fails else "ok"
            print("  %-13s %-4s (%d passed, %d failed)" % (n, status, self.passed[n], len(fails)))
            for msg in fails[:15]:
                print("      - " + msg)
            if len(fails) > 15:
                print("      ... %d more" % (len(fails) - 15))
        return 0 if not self.failures else 1


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    c = Checker(d)
    c.load()
    c.check_header()
    c.check_rows()
    c.check_readme()
    c.check_constrained()
    c.check_windows()
    c.check_doubling()
    rc = c.summary()
    print("RESULT: %s" % ("PASS" if rc == 0 else "FAIL"))
    return rc


if __name__ == "__main__":
    sys.exit(main())
