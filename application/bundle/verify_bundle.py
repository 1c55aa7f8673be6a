#!/usr/bin/env python3
"""Check a review bundle without the ledger: only Python's standard library is needed.

    python3 verify_bundle.py [BUNDLE_DIR]

Checks that (1) every event's hash is the SHA-256 of its canonical text, (2) each event names
its predecessor's hash and sequence numbers run 1, 2, 3 ..., (3) every event the review cites
is in the bundle with the same hash, (4) the seal's Merkle root matches its list of case heads,
and the case's head at the seal is one of the bundled events. Exit status 0 means intact.
"""

import hashlib
import json
import sys
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


def main(folder):
    problems = []
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    hashes = {}
    previous = ""
    for expected_seq, line in enumerate(lines, start=1):
        record = json.loads(line)
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
    review = json.loads((folder / "review.json").read_text(encoding="utf-8"))
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

    walk({k: v for k, v in review.items() if k != "related_cases"})
    for sequence, digest in cited:
        if hashes.get(sequence) != digest:
            problems.append(f"the review cites event {sequence} with hash {digest[:16]}, which the bundle does not hold")
    seal_file = folder / "seal.json"
    if seal_file.exists():
        seal = json.loads(seal_file.read_text(encoding="utf-8"))
        heads = {cid: (v, h) for cid, (v, h) in seal["heads"].items()}
        if merkle_root(heads) != seal["root"]:
            problems.append("the seal's heads do not produce its Merkle root")
        head = heads.get(review["case_id"])
        if head and hashes.get(head[0]) != head[1]:
            problems.append(f"the sealed head {head[0]} of this case is not the bundled event")
    else:
        print("note: no seal in the bundle (the store had not been sealed)")
    for p in problems:
        print("BROKEN:", p)
    if not problems:
        print(f"intact: {len(lines)} events, {len(cited)} citations checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)))
