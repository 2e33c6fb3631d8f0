#!/usr/bin/env python3
"""Checks Provider Portal evidence with the deployment's public key alone.

    tools/verify-evidence.py BUNDLE --public-key FILE

BUNDLE is what `portal audit prove invoice|credit-note|claim|payment-run ...` writes (a record's events, an
inclusion proof of each, a signed checkpoint), or what `portal audit prove consistency OLD NEW` writes (two
signed checkpoints and the proof that the later log extends the earlier one). FILE holds the line
`portal audit public-key` prints.

This program shares no code with the portal: it needs Python 3 and PyPI's `cryptography` (for Ed25519) only,
and follows the formats as the README documents them:

- a stored record (big-endian integers): format 1 (1 byte), position (8), event id (16), stream version (8),
  recorded-at in microseconds since 1970 UTC (8, signed), schema version (2), flags (1: bit 0 correlation id
  present, bit 1 causation id present), correlation id (16), causation id (16), then stream id, event type,
  actor and acting-as (each a 2-byte length and UTF-8), the payload (a 4-byte length and JSON), and last the
  32-byte chain hash = SHA-256(previous event's chain hash || every byte before it);
- the Merkle tree of RFC 9162: leaf = SHA-256(0x00 || chain hash), node = SHA-256(0x01 || left || right);
- the checkpoint: a C2SP signed note whose text is origin, tree size, base64 root, `chain-head <hex>` and
  `time <UTC>` lines, signed with Ed25519 by the key named like the origin.

Exit status 0 when every check passes, 1 otherwise (naming what failed).
"""
import argparse
import base64
import binascii
import datetime
import hashlib
import json
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover - reported to the user
    print("FAILED: this verifier needs PyPI's `cryptography` (pip install cryptography)")
    sys.exit(1)

EVIDENCE = "provider-portal-evidence/1"
CONSISTENCY = "provider-portal-consistency/1"
HEX = re.compile(r"[0-9a-f]*")
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
# What each kind of bundle is about: the category of its stream and the selection of its events.
KINDS = {
    "invoice": ("invoice", "stream"),
    "credit-note": ("creditnote", "stream"),
    "claim": ("claim", "stream"),
    "payment-run": ("paymentrun", "stream"),
    "remittance": ("paymentrun", "remittance"),
}


class Failed(Exception):
    """A check that did not pass; the message names what failed."""


def sha256(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def hex_bytes(value, what, length=None):
    if not isinstance(value, str) or not HEX.fullmatch(value) or len(value) % 2:
        raise Failed(f"{what}: not lowercase hexadecimal")
    data = bytes.fromhex(value)
    if length is not None and len(data) != length:
        raise Failed(f"{what}: {len(data)} bytes, expected {length}")
    return data


def strict_b64(text, what):
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failed(f"{what}: not base64")
    if base64.b64encode(data).decode() != text:
        raise Failed(f"{what}: not canonical base64")
    return data


def no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise Failed("the document repeats a key in one object")
    return dict(pairs)


def same_json(a, b):
    """Equal JSON values, types included (Python's True == 1 is not a JSON equality)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return a == b


def exact_keys(obj, required, optional, what):
    if not isinstance(obj, dict):
        raise Failed(f"{what}: not an object")
    missing = sorted(set(required) - obj.keys())
    unknown = sorted(obj.keys() - set(required) - set(optional))
    if missing:
        raise Failed(f"{what}: missing {', '.join(missing)}")
    if unknown:
        raise Failed(f"{what}: unknown field {', '.join(unknown)}")


# MARK: keys and checkpoints

class PublicKey:
    def __init__(self, text):
        parts = text.strip().split("+", 2)  # the name holds no '+'; the base64 may
        if len(parts) != 3:
            raise Failed("public key: not NAME+KEYID+BASE64 as `portal audit public-key` prints it")
        self.name, key_id, encoded = parts
        raw = strict_b64(encoded, "public key")
        if len(raw) != 33 or raw[0] != 0x01:
            raise Failed("public key: not an Ed25519 key (0x01 and 32 bytes)")
        self.raw = raw[1:]
        self.key_id = sha256(self.name.encode(), b"\n\x01", self.raw)[:4]
        if self.key_id.hex() != key_id:
            raise Failed("public key: its key id does not match its name and key")
        self.key = Ed25519PublicKey.from_public_bytes(self.raw)


class Checkpoint:
    """A signed checkpoint, its signature checked against the public key."""

    def __init__(self, note, key, what="checkpoint"):
        if not isinstance(note, str):
            raise Failed(f"{what}: not text")
        cut = note.rfind("\n\n")
        if cut < 0:
            raise Failed(f"{what}: not a signed note (no blank line before the signature)")
        text = note[:cut + 1]
        signature_lines = note[cut + 2:]
        lines = text.split("\n")[:-1]
        if len(lines) != 5:
            raise Failed(f"{what}: the text has {len(lines)} lines, not origin, size, root, chain-head and time")
        self.origin, size, root, chain_head, time = lines
        if not re.fullmatch(r"0|[1-9][0-9]*", size):
            raise Failed(f"{what}: the tree size '{size}' is not a decimal number")
        self.size = int(size)
        self.root = strict_b64(root, f"{what}: root hash")
        if len(self.root) != 32:
            raise Failed(f"{what}: the root hash is not 32 bytes")
        if not chain_head.startswith("chain-head "):
            raise Failed(f"{what}: the fourth line is not 'chain-head <hex>'")
        self.chain_head = hex_bytes(chain_head[len("chain-head "):], f"{what}: chain head", 32)
        if not time.startswith("time ") or not TIME.fullmatch(time[len("time "):]):
            raise Failed(f"{what}: the fifth line is not 'time <UTC instant>'")
        self.time = time[len("time "):]
        if self.origin != key.name:
            raise Failed(f"{what}: it is of log {self.origin}, but the public key is named {key.name}")
        if not signature_lines.endswith("\n"):
            raise Failed(f"{what} signature: the note does not end with a newline")
        signed = False
        for line in signature_lines[:-1].split("\n"):
            match = re.fullmatch("\u2014 (\\S+) (\\S+)", line)
            if not match:
                raise Failed(f"{what} signature: a malformed signature line")
            raw = strict_b64(match.group(2), f"{what} signature")
            if match.group(1) != key.name or raw[:4] != key.key_id:
                raise Failed(f"{what} signature: a signature by another key ({match.group(1)})")
            if len(raw) != 68:
                raise Failed(f"{what} signature: not 4 + 64 bytes")
            try:
                key.key.verify(raw[4:], text.encode())
            except InvalidSignature:
                raise Failed(f"{what} signature: does not verify with the public key (the checkpoint or its signature was changed)")
            signed = True
        if not signed:
            raise Failed(f"{what} signature: none by the public key")


# MARK: Merkle proofs (RFC 9162, 2.1.3.2 and 2.1.4.2)

def node(left, right):
    return sha256(b"\x01", left, right)


def root_from_inclusion(index, size, leaf, path):
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistent(first, second, first_root, second_root, path):
    if first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path and first_root == hashlib.sha256(b"").digest()
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# MARK: records

class Record:
    """A stored record, parsed by the documented layout."""

    def __init__(self, data, what):
        self.data = data
        offset = 0

        def take(count, field):
            nonlocal offset
            if offset + count > len(data):
                raise Failed(f"{what}: the record ends inside its {field}")
            part = data[offset:offset + count]
            offset += count
            return part

        def integer(count, field, signed=False):
            return int.from_bytes(take(count, field), "big", signed=signed)

        def text(field):
            raw = take(integer(2, field + " length"), field)
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Failed(f"{what}: the record's {field} is not UTF-8")

        if integer(1, "format") != 1:
            raise Failed(f"{what}: the record's format byte is not 1")
        self.position = integer(8, "position")
        self.event_id = take(16, "event id")
        self.version = integer(8, "stream version")
        self.micros = integer(8, "recorded-at", signed=True)
        self.schema_version = integer(2, "schema version")
        flags = integer(1, "flags")
        correlation = take(16, "correlation id")
        causation = take(16, "causation id")
        if flags & ~3:
            raise Failed(f"{what}: the record's flags have unknown bits")
        self.correlation = correlation if flags & 1 else None
        self.causation = causation if flags & 2 else None
        for present, value, field in ((flags & 1, correlation, "correlation id"), (flags & 2, causation, "causation id")):
            if not present and value != bytes(16):
                raise Failed(f"{what}: the record's {field} is set but flagged absent")
        self.stream = text("stream id")
        self.type = text("event type")
        self.actor = text("actor")
        self.acting_as = text("acting as")
        self.payload = take(integer(4, "payload length"), "payload")
        self.body = data[:offset]
        self.hash = take(32, "chain hash")
        if offset != len(data):
            raise Failed(f"{what}: the record has {len(data) - offset} bytes after its chain hash")

    @property
    def recorded_at(self):
        seconds, micros = divmod(self.micros, 1_000_000)
        instant = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)
        return instant.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros:06d}Z"


def uuid_text(raw):
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


EVENT_FIELDS = ["position", "stream", "version", "eventId", "type", "schemaVersion", "recordedAt", "actor", "actingAs",
                "payload", "record", "previousHash", "hash", "leafHash", "inclusionProof"]


def check_event(number, event, checkpoint):
    what = f"event {number}"
    exact_keys(event, EVENT_FIELDS, ["correlationId", "causationId"], what)
    if isinstance(event.get("position"), int):
        what = f"event {number} (position {event['position']})"
    record = Record(hex_bytes(event["record"], f"{what}: record"), f"{what}: record")
    previous = hex_bytes(event["previousHash"], f"{what}: previousHash", 32)
    if sha256(previous, record.body) != record.hash:
        raise Failed(f"{what}: record: its chain hash does not match its bytes (SHA-256 of previousHash and the record is "
                     f"{sha256(previous, record.body).hex()}, the record says {record.hash.hex()})")
    if hex_bytes(event["hash"], f"{what}: hash", 32) != record.hash:
        raise Failed(f"{what}: hash: not the record's chain hash")
    leaf = sha256(b"\x00", record.hash)
    if hex_bytes(event["leafHash"], f"{what}: leafHash", 32) != leaf:
        raise Failed(f"{what}: leafHash: not SHA-256(0x00 || the record's chain hash)")
    if not isinstance(event["inclusionProof"], list):
        raise Failed(f"{what}: inclusionProof: not a list")
    path = [hex_bytes(h, f"{what}: inclusionProof[{i}]", 32) for i, h in enumerate(event["inclusionProof"])]
    if not 1 <= record.position <= checkpoint.size:
        raise Failed(f"{what}: record: position {record.position} is not in the checkpoint's tree of {checkpoint.size} events")
    if root_from_inclusion(record.position - 1, checkpoint.size, leaf, path) != checkpoint.root:
        raise Failed(f"{what}: inclusionProof: does not lead from the record to the checkpoint's root")
    try:
        payload = json.loads(record.payload.decode("utf-8"), object_pairs_hook=no_duplicate_keys)
    except ValueError:  # UnicodeDecodeError is one too
        raise Failed(f"{what}: record: its payload is not JSON")
    readable = {
        "position": record.position, "stream": record.stream, "version": record.version,
        "eventId": uuid_text(record.event_id), "type": record.type, "schemaVersion": record.schema_version,
        "recordedAt": record.recorded_at, "actor": record.actor, "actingAs": record.acting_as, "payload": payload,
    }
    for field, value in readable.items():
        if not same_json(event[field], value):
            raise Failed(f"{what}: {field}: the readable copy differs from the record")
    for field, value in (("correlationId", record.correlation), ("causationId", record.causation)):
        if (field in event) != (value is not None) or (value is not None and event[field] != uuid_text(value)):
            raise Failed(f"{what}: {field}: the readable copy differs from the record")
    return record, payload


def verify_bundle(document, key):
    exact_keys(document, ["format", "subject", "checkpoint", "events"], [], "bundle")
    subject = document["subject"]
    exact_keys(subject, ["kind", "stream", "selection"], ["organisation"], "subject")
    if subject["kind"] not in KINDS:
        raise Failed(f"subject: unknown kind {subject['kind']!r}")
    category, selection = KINDS[subject["kind"]]
    if subject["selection"] != selection or ("organisation" in subject) != (selection == "remittance"):
        raise Failed(f"subject: a {subject['kind']} bundle selects {selection}")
    if not isinstance(subject["stream"], str) or not subject["stream"].startswith(category + "-"):
        raise Failed(f"subject: stream: a {subject['kind']} is in a {category}- stream")
    checkpoint = Checkpoint(document["checkpoint"], key)
    events = document["events"]
    if not isinstance(events, list) or not events:
        raise Failed("events: none")
    history = []
    for number, event in enumerate(events, 1):
        record, payload = check_event(number, event, checkpoint)
        what = f"event {number} (position {record.position})"
        if record.stream != subject["stream"]:
            raise Failed(f"{what}: record: it is of stream {record.stream}, not the subject's {subject['stream']}")
        if history and (record.position <= history[-1].position or record.version <= history[-1].version):
            raise Failed(f"{what}: record: not after the event before it in position and version")
        if selection == "stream" and record.version != number:
            raise Failed(f"{what}: record: version {record.version} where the stream's event {number} belongs (an event is missing)")
        if selection == "remittance" and (record.type != "RemittanceIssued" or payload.get("organisationID") != subject["organisation"]):
            raise Failed(f"{what}: record: not a remittance to {subject['organisation']}")
        history.append(record)
    lines = [f"OK: {len(history)} event{'s' if len(history) != 1 else ''} of {subject['stream']}"
             + (f" (the remittance to {subject['organisation']})" if selection == "remittance" else "")
             + f", each in the log {checkpoint.origin} of {checkpoint.size} events signed at {checkpoint.time}",
             f"checkpoint root {checkpoint.root.hex()}, chain head {checkpoint.chain_head.hex()}", ""]
    rows = [("POSITION", "RECORDED AT (UTC)", "WHO", "ACTING AS", "TYPE")]
    rows += [(str(r.position), r.recorded_at, r.actor, r.acting_as, r.type) for r in history]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)))
    if selection == "stream":
        lines += ["", f"(the stream's events 1 to {len(history)}; a bundle cannot show events of the stream after position "
                      f"{history[-1].position}: a bundle against a later checkpoint shows them)"]
    return lines


def verify_consistency(document, key):
    exact_keys(document, ["format", "older", "newer", "consistencyProof"], [], "consistency proof")
    older = Checkpoint(document["older"], key, "older checkpoint")
    newer = Checkpoint(document["newer"], key, "newer checkpoint")
    if not isinstance(document["consistencyProof"], list):
        raise Failed("consistencyProof: not a list")
    path = [hex_bytes(h, f"consistencyProof[{i}]", 32) for i, h in enumerate(document["consistencyProof"])]
    if not consistent(older.size, newer.size, older.root, newer.root, path):
        raise Failed(f"consistencyProof: does not prove that the log of {newer.size} events extends the log of {older.size}")
    return [f"OK: the log {newer.origin} of {newer.size} events (signed at {newer.time}) extends its log of "
            f"{older.size} events (signed at {older.time}): those {older.size} events are unchanged"]


def verify_document(raw, key):
    """Checks the bytes of a bundle or consistency proof; returns the lines to print, or raises Failed."""
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicate_keys)
    except ValueError as error:  # UnicodeDecodeError is one too
        raise Failed(f"bundle: not a JSON document ({error})")
    if not isinstance(document, dict) or document.get("format") not in (EVIDENCE, CONSISTENCY):
        raise Failed(f"bundle: format is not {EVIDENCE} or {CONSISTENCY}")
    try:
        return verify_bundle(document, key) if document["format"] == EVIDENCE else verify_consistency(document, key)
    except (TypeError, KeyError, AttributeError, ValueError) as error:
        # A field of the wrong JSON type where the checks expect another.
        raise Failed(f"bundle: a field has the wrong shape ({type(error).__name__}: {error})")


class Arguments(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stdout)
        print(f"FAILED: {message}")
        sys.exit(1)


def main(arguments):
    parser = Arguments(prog="verify-evidence.py", description="Check Provider Portal evidence with the deployment's public key alone.")
    parser.add_argument("bundle", help="an evidence bundle or consistency proof (JSON) written by `portal audit prove`")
    parser.add_argument("--public-key", required=True, metavar="FILE", help="the line `portal audit public-key` prints")
    options = parser.parse_args(arguments)
    try:
        try:
            with open(options.public_key, encoding="utf-8") as handle:
                key = PublicKey(handle.read())
            with open(options.bundle, "rb") as handle:
                raw = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise Failed(f"cannot read {getattr(error, 'filename', None) or options.public_key}: {error}")
        print("\n".join(verify_document(raw, key)))
    except Failed as failure:
        print(f"FAILED: {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
