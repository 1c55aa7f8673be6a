#!/usr/bin/env python3
"""Check a review bundle without the ledger: only Python's standard library is needed.

    python3 verify_bundle.py [BUNDLE_DIR]

Checks that
(1) every event's hash is the SHA-256 of its canonical text, (2) each event names its
predecessor's hash and sequence numbers run 1, 2, 3 ..., (3) every event the review cites is in
the bundle with the same hash, (4) the access-log entries (access.jsonl) are chains of their
own: each hashes to its hash and sits where it says; the case's own log runs whole from its
opening, each entry linked to the one before; an entry of an actor's listing log names the
case, and links to its predecessor when that is bundled too; (5) every read the review reports
is such an entry and says what the entry says (who, when, which request, why), and (6) the
seal's Merkle root matches its list of heads, and the heads of the case and of its access log
at the seal are bundled entries. Exit status 0 means intact.
"""

import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path


def merkle_root(heads):
    level = [hashlib.sha256(f"{cid}:{v}:{h}".encode()).digest() for cid, (v, h) in sorted(heads.items())]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0].hex()


def read_lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_events(records, problems):
    """The case's own events: a whole chain from sequence 1. Returns {sequence: hash}."""
    hashes = {}
    previous = ""
    for expected_seq, record in enumerate(records, start=1):
        digest = hashlib.sha256(record["canonical"].encode("utf-8")).hexdigest()
        body = json.loads(record["canonical"])
        if digest != record["hash"]:
            problems.append(f"event {record['sequence']}: content does not hash to {record['hash']}")
        if record["sequence"] != expected_seq or body["originator_version"] != expected_seq:
            problems.append(f"event {record['sequence']}: expected sequence {expected_seq}")
        if body["prev_hash"] != previous:
            problems.append(f"event {record['sequence']}: does not follow the previous event's hash")
        previous = digest
        hashes[record["sequence"]] = digest
    return hashes


def check_access(records, case_id, problems):
    """Access-log entries, each in its own log's chain. Returns ({(log, sequence): (hash, body)},
    the id of the case's own log or None)."""
    entries = {}
    by_log = {}
    for record in records:
        name = f"access log {record['log'][:8]} entry {record['sequence']}"
        digest = hashlib.sha256(record["canonical"].encode("utf-8")).hexdigest()
        body = json.loads(record["canonical"])
        if digest != record["hash"]:
            problems.append(f"{name}: content does not hash to {record['hash']}")
        if body.get("originator_id") != record["log"] or body.get("originator_version") != record["sequence"]:
            problems.append(
                f"{name}: the entry says it is {body.get('originator_id')} entry {body.get('originator_version')}"
            )
        entries[(record["log"], record["sequence"])] = (digest, body)
        by_log.setdefault(record["log"], []).append(record["sequence"])
    own = [log for (log, seq), (_, body) in entries.items() if seq == 1 and body.get("case_id") == case_id]
    own_log = own[0] if own else None
    for log, sequences in by_log.items():
        sequences.sort()
        if log == own_log and sequences != list(range(1, len(sequences) + 1)):
            problems.append(
                f"access log {log[:8]} of the case: entries missing or repeated (has {sequences})"
            )
        for seq in sequences:
            digest, body = entries[(log, seq)]
            name = f"access log {log[:8]} entry {seq}"
            if log != own_log and case_id not in body.get("case_ids", ()):
                problems.append(f"{name}: is not an entry about case {case_id}")
            if seq == 1:
                before = ""
            elif (log, seq - 1) in entries:
                before = entries[(log, seq - 1)][0]
            else:
                continue  # its predecessor is another case's business: not bundled
            if body.get("prev_hash") != before:
                problems.append(f"{name}: does not follow the previous entry's hash")
    return entries, own_log


def check_reads(review, entries, case_id, problems):
    """Each read the review reports is a bundled entry that says the same."""
    log = review.get("access_log") or {}
    reads = list(log.get("before", [])) + list(log.get("after", []))
    for read in reads:
        key = (read.get("log"), read.get("sequence"))
        name = f"the review's read at {read.get('read_at')} (access log {str(key[0])[:8]} entry {key[1]})"
        if key not in entries or entries[key][0] != read.get("hash"):
            problems.append(f"{name} is not an entry the bundle holds with hash {str(read.get('hash'))[:16]}")
            continue
        body = entries[key][1]
        # A case's own log says handler per read; a listing names the cases its reader handled.
        handler = body["handler"] if "handler" in body else case_id in body.get("handled", ())
        said = {
            "actor_id": body.get("actor_id"),
            "actor_role": body.get("actor_role"),
            "endpoint": body.get("endpoint"),
            "purpose": body.get("purpose"),
            "handler": handler,
        }
        for field, value in said.items():
            if read.get(field) != value:
                problems.append(f"{name}: the review says {field} {read.get(field)!r}, the entry {value!r}")
        if datetime.fromisoformat(read["read_at"]) != datetime.fromisoformat(body["timestamp"]):
            problems.append(f"{name}: the review's time differs from the entry's {body['timestamp']}")
    return len(reads)


def main(folder):
    problems = []
    review = json.loads((folder / "review.json").read_text(encoding="utf-8"))
    case_id = review["case_id"]
    records = read_lines(folder / "events.jsonl")
    hashes = check_events(records, problems)
    entries, own_log = check_access(read_lines(folder / "access.jsonl"), case_id, problems)
    cited = []

    def walk(node):
        if isinstance(node, dict):
            if "sequence" in node and "hash" in node and isinstance(node["hash"], str):
                cited.append((node["sequence"], node["hash"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    # Reads cite their access logs, not the case's events; related cases are other cases.
    walk({k: v for k, v in review.items() if k not in ("related_cases", "access_log")})
    for sequence, digest in cited:
        if hashes.get(sequence) != digest:
            problems.append(
                f"the review cites event {sequence} with hash {digest[:16]}, which the bundle does not hold"
            )
    reads = check_reads(review, entries, case_id, problems)
    seal_file = folder / "seal.json"
    if seal_file.exists():
        seal = json.loads(seal_file.read_text(encoding="utf-8"))
        heads = {cid: (v, h) for cid, (v, h) in seal["heads"].items()}
        if merkle_root(heads) != seal["root"]:
            problems.append("the seal's heads do not produce its Merkle root")
        head = heads.get(case_id)
        if head and hashes.get(head[0]) != head[1]:
            problems.append(f"the sealed head {head[0]} of this case is not the bundled event")
        for log in {log for log, _ in entries}:
            sealed = heads.get(log)
            if not sealed:
                continue
            held = entries.get((log, sealed[0]))
            if held is not None and held[0] != sealed[1]:
                problems.append(f"access log {log[:8]} entry {sealed[0]}: differs from its sealed head")
            elif held is None and log == own_log:
                problems.append(
                    f"access log {log[:8]} of the case: entries up to {sealed[0]} were sealed but are not bundled"
                )
    else:
        print("note: no seal in the bundle (the store had not been sealed)")
    for p in problems:
        print("BROKEN:", p)
    if not problems:
        print(
            f"intact: {len(records)} events, {len(cited)} citations, {len(entries)} access-log entries, {reads} reads checked"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)))
