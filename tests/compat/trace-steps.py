#!/usr/bin/env python3
"""Where the time of web-scroll.mjs's steps goes, from the Chrome trace it saves with
WEB_SCROLL_TRACE=<file>: for each phase (fling, browse), the self time per step of every
thread's events, summed over all steps and over the steps slower than a threshold.

CPU time (the events' `tdur`) by default, which a busy machine does not inflate as it does wall
time; WALL=1 for wall time. Usage: trace-steps.py <trace.json> [slow-ms, default 50]
"""

import bisect
import collections
import json
import os
import sys

trace = json.load(open(sys.argv[1]))
events = trace["traceEvents"] if isinstance(trace, dict) else trace
threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 50.0
cpu = os.environ.get("WALL") is None

names = {
    (e["pid"], e["tid"]): e["args"]["name"]
    for e in events
    if e.get("ph") == "M" and e.get("name") == "thread_name"
}

# The steps: user-timing measures (async begin/end pairs) named by their phase.
marks = sorted(
    (e for e in events if "user_timing" in e.get("cat", "") and e.get("name") in ("fling", "browse") and e["ph"] in ("b", "e")),
    key=lambda e: e["ts"],
)
open_steps = collections.defaultdict(list)
steps = []
for e in marks:
    if e["ph"] == "b":
        open_steps[e["name"]].append(e["ts"])
    else:
        steps.append((e["name"], open_steps[e["name"]].pop(), e["ts"]))


def cost(e):
    return e.get("tdur", e["dur"]) if cpu else e["dur"]


def self_times(thread_events):
    """(start, name, self time) of complete events, nested ones subtracted from their parent."""
    thread_events.sort(key=lambda e: (e["ts"], -e["dur"]))
    done, stack = [], []
    for e in thread_events:
        while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= e["ts"]:
            done.append(stack.pop())
        if stack:
            stack[-1][1] -= cost(e)
        stack.append([e, cost(e)])
    done.extend(stack)
    return sorted((r[0]["ts"], r[0]["name"], r[1]) for r in done)


threads = collections.defaultdict(list)
for e in events:
    if e.get("ph") == "X" and "dur" in e:
        threads[(e["pid"], e["tid"])].append(e)
timed = {key: self_times(list(evs)) for key, evs in threads.items()}

for phase in ("fling", "browse"):
    mine = [s for s in steps if s[0] == phase]
    slow = [s for s in mine if (s[2] - s[1]) / 1000 > threshold]
    print(f"== {phase}: {len(mine)} steps, {len(slow)} over {threshold} ms")
    for label, chosen in (("all", mine), ("slow", slow)):
        per = collections.Counter()
        for key, st in timed.items():
            starts = [x[0] for x in st]
            for _, begin, end in chosen:
                i = bisect.bisect_left(starts, begin)
                while i < len(st) and st[i][0] < end:
                    per[(names.get(key, str(key)), st[i][1])] += st[i][2]
                    i += 1
        n = max(1, len(chosen))
        print(f"-- {label} steps ({len(chosen)}): {'CPU' if cpu else 'wall'} ms per step, all threads {sum(per.values()) / 1000 / n:.1f}")
        for (thread, name), v in per.most_common(25):
            print(f"   {v / 1000 / n:8.2f}  {thread[:24]:24} {name}")
