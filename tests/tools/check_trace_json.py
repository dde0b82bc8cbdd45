#!/usr/bin/env python3
"""Check a Chrome/Perfetto trace-event JSON file against the format's rules.

The rules are those of the Trace Event Format document (the JSON Object
Format) that chrome://tracing and Perfetto's JSON importer follow, for the
phases `alto trace FILE perfetto` writes, plus what makes the importer drop
or misplace events:

  - the top level is an object with a "traceEvents" array (displayTimeUnit,
    if there, is "ms" or "ns");
  - every event is an object with a known "ph", non-negative integer "pid"
    and "tid", and (but for metadata) a "name" string and a number "ts" >= 0;
  - "X" (complete) events have a number "dur" >= 0;
  - "args", when there, is an object;
  - "i" (instant) events have a scope "s" of g, p or t when they give one;
  - "M" (metadata) events are process_name, thread_name, process_sort_index
    or thread_sort_index, and the names carry args.name, a string;
  - the slices of one track (pid, tid) nest: a slice that starts inside
    another ends inside it too (Perfetto rejects improperly nested slices);
    "B"/"E" pairs match on their track;
  - flow events ("s", "t", "f") carry an "id"; each id starts once with "s",
    every "t"/"f" comes at or after its "s"; an "s" (and an "f" with "bp":"e")
    lies inside a slice of its own track, which it binds to.

Prints each violation (up to 20) and exits 1 if any; with --stats prints
counts of what it checked. Exits 2 when the file is not JSON at all.
"""
import json
import sys
from collections import defaultdict

PHASES = set("BEXiIMsftCbenPONDcR")
METADATA = {"process_name", "thread_name", "process_sort_index", "thread_sort_index",
            "process_labels"}
EPS = 1e-6  # microseconds: timestamps are printed with ns precision


class Checker:
    def __init__(self):
        self.errors = []
        self.slices = defaultdict(list)  # (pid, tid) -> [(ts, end)]
        self.begins = defaultdict(list)
        self.flows = defaultdict(list)  # id -> [(ph, ts, track, bp)]
        self.counts = defaultdict(int)

    def error(self, i, what):
        self.errors.append(f"event {i}: {what}")

    def is_uint(self, v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    def is_num(self, v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    def check_event(self, i, e):
        if not isinstance(e, dict):
            return self.error(i, "not an object")
        ph = e.get("ph")
        if ph not in PHASES:
            return self.error(i, f"unknown phase {ph!r}")
        self.counts[ph] += 1
        for key in ("pid", "tid"):
            if key in e and not self.is_uint(e[key]):
                self.error(i, f"{key} is not a non-negative integer: {e[key]!r}")
        if "pid" not in e:
            self.error(i, "no pid")
        if "args" in e and not isinstance(e["args"], dict):
            self.error(i, "args is not an object")
        if ph == "M":
            return self.check_metadata(i, e)
        if not isinstance(e.get("name"), str):
            self.error(i, "no name string")
        if "tid" not in e:
            self.error(i, "no tid")
        ts = e.get("ts")
        if not self.is_num(ts) or ts < 0:
            return self.error(i, f"ts is not a number >= 0: {ts!r}")
        track = (e.get("pid"), e.get("tid"))
        if ph == "X":
            dur = e.get("dur")
            if not self.is_num(dur) or dur < 0:
                return self.error(i, f"dur is not a number >= 0: {dur!r}")
            self.slices[track].append((ts, ts + dur, i))
        elif ph == "B":
            self.begins[track].append((ts, i))
        elif ph == "E":
            self.slices_from_end(i, track, ts)
        elif ph in "iI":
            if e.get("s", "t") not in ("g", "p", "t"):
                self.error(i, f"instant scope {e.get('s')!r}")
        elif ph in "stf":
            if "id" not in e:
                return self.error(i, "flow event without id")
            key = (e.get("cat"), e.get("name"), e["id"])
            self.flows[key].append((ph, ts, track, e.get("bp"), i))

    def slices_from_end(self, i, track, ts):
        if not self.begins[track]:
            return self.error(i, f"E without a B on track {track}")
        start, _ = self.begins[track].pop()
        if ts < start:
            return self.error(i, "E before its B")
        self.slices[track].append((start, ts, i))

    def check_metadata(self, i, e):
        name = e.get("name")
        if name not in METADATA:
            return self.error(i, f"unknown metadata {name!r}")
        if name.endswith("_name"):
            if not isinstance(e.get("args", {}).get("name"), str):
                self.error(i, f"{name} without args.name")
            if name == "thread_name" and "tid" not in e:
                self.error(i, "thread_name without tid")

    def check_nesting(self):
        for track, slices in self.slices.items():
            stack = []
            for start, end, i in sorted(slices, key=lambda s: (s[0], -(s[1] - s[0]))):
                while stack and stack[-1] <= start + EPS:
                    stack.pop()
                if stack and end > stack[-1] + EPS:
                    self.error(i, f"slice [{start}, {end}] on track {track} overlaps the end "
                               f"of its parent ({stack[-1]})")
                    continue
                stack.append(end)
        for track, begins in self.begins.items():
            for _, i in begins:
                self.error(i, f"B without an E on track {track}")

    def inside_slice(self, track, ts):
        return any(start - EPS <= ts <= end + EPS for start, end, _ in self.slices[track])

    def check_flows(self):
        for key, events in self.flows.items():
            starts = [ev for ev in events if ev[0] == "s"]
            if len(starts) != 1:
                self.error(events[0][4], f"flow {key} has {len(starts)} starts")
                continue
            start_ts = starts[0][1]
            for ph, ts, track, bp, i in events:
                if ph != "s" and ts < start_ts - EPS:
                    self.error(i, f"flow {key}: {ph} before its start")
                if (ph == "s" or bp == "e") and not self.inside_slice(track, ts):
                    self.error(i, f"flow {key}: {ph} at {ts} is in no slice of track {track}")

    def run(self, doc):
        if isinstance(doc, dict):
            events = doc.get("traceEvents")
            unit = doc.get("displayTimeUnit", "ms")
            if unit not in ("ms", "ns"):
                self.errors.append(f"displayTimeUnit {unit!r}")
        else:
            events = doc
        if not isinstance(events, list):
            self.errors.append("no traceEvents array")
            return
        for i, e in enumerate(events):
            self.check_event(i, e)
        self.check_nesting()
        self.check_flows()


def main():
    args = [a for a in sys.argv[1:] if a != "--stats"]
    if len(args) != 1:
        print("usage: check_trace_json.py [--stats] FILE.json", file=sys.stderr)
        return 2
    try:
        with open(args[0]) as f:
            doc = json.load(f)
    except (OSError, ValueError) as err:
        print(f"{args[0]}: not JSON: {err}", file=sys.stderr)
        return 2
    c = Checker()
    c.run(doc)
    if "--stats" in sys.argv:
        tracks = len(c.slices)
        print(" ".join(f"{ph}={n}" for ph, n in sorted(c.counts.items())),
              f"tracks-with-slices={tracks} flows={len(c.flows)}")
    for err in c.errors[:20]:
        print(err)
    if c.errors:
        print(f"{len(c.errors)} violation(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
