#!/usr/bin/env python3
"""Waits for a sonde started in a test root (tools/package.sh, tools/image-test.sh) to answer
/ready with 200, then scrapes it once: every family named must have a series and no collector
may have failed (node_scrape_collector_success 0). Exits 1 with the reason otherwise.

    tools/probe-ready.py BASE_URL DEADLINE_SECONDS WHAT [--rule-groups G,...] FAMILY...

WHAT names sonde in messages. With --rule-groups, /api/v1/rules must list each group named
(the shipped ones: host, gpu, app) and, within the deadline, every rule of it must have been
evaluated without error (health "ok").
"""
import json
import sys
import time
import urllib.error
import urllib.request


def main():
    base, deadline, what, families = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
    groups = []
    if families[:1] == ["--rule-groups"]:
        groups, families = families[1].split(","), families[2:]
    end = time.monotonic() + deadline
    while True:
        try:
            if urllib.request.urlopen(base + "/ready", timeout=5).status == 200:
                break
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > end:
            sys.exit(f"{what} never answered /ready with 200")
        time.sleep(0.2)
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    for name in families:
        if not any(line.startswith((name + "{", name + " ")) for line in text.splitlines()):
            sys.exit(f"no {name} series in the scrape of {what}")
    failed = [line for line in text.splitlines()
              if line.startswith("node_scrape_collector_success{") and line.endswith(" 0")]
    if failed:
        sys.exit(f"collectors of {what} failed: {failed}")
    while groups:
        loaded = json.loads(urllib.request.urlopen(base + "/api/v1/rules", timeout=10).read())
        by_name = {g["name"]: g for g in loaded["data"]["groups"]}
        missing = [g for g in groups if g not in by_name]
        if missing:
            sys.exit(f"{what} has not loaded the rule groups {missing}: {sorted(by_name)}")
        bad = [(r["name"], r["health"], r.get("lastError", "")) for g in groups
               for r in by_name[g]["rules"] if r["health"] != "ok"]
        if not bad:
            rules = sum(len(by_name[g]["rules"]) for g in groups)
            print(f"{what}: rule groups {groups} loaded, {rules} rules evaluated")
            break
        if time.monotonic() > end or any(h == "err" for _, h, _ in bad):
            sys.exit(f"rules of {what} not evaluated cleanly: {bad[:5]}")
        time.sleep(0.5)
    print(f"{what}: ready, {len(text.splitlines())} lines scraped")


if __name__ == "__main__":
    main()
