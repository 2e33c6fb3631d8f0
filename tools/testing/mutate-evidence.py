#!/usr/bin/env python3
"""For the tests: changes each byte of an evidence bundle in turn and checks that tools/verify-evidence.py
refuses every changed bundle.

    tools/testing/mutate-evidence.py BUNDLE --public-key FILE

Every byte has its lowest bit flipped (a hex digit often stays a hex digit, a letter another letter, a space
becomes '!'); every 16th byte is also replaced by 'x' (or 'y' where it was 'x'). Prints how many bundles were
checked and every change the verifier accepted; exits 0 when it refused them all and the unchanged bundle
passes, 1 otherwise.
"""
import importlib.util
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("verify_evidence", here.parent / "verify-evidence.py")
verifier = importlib.util.module_from_spec(spec)
spec.loader.exec_module(verifier)


def main(arguments):
    if len(arguments) != 3 or arguments[1] != "--public-key":
        print(__doc__)
        return 1
    raw = pathlib.Path(arguments[0]).read_bytes()
    key = verifier.PublicKey(pathlib.Path(arguments[2]).read_text())
    verifier.verify_document(raw, key)  # the unchanged bundle passes (raises otherwise)
    accepted = []
    checked = 0
    for offset, byte in enumerate(raw):
        changes = [byte ^ 0x01] + ([ord("y") if byte == ord("x") else ord("x")] if offset % 16 == 0 else [])
        for changed in changes:
            mutated = raw[:offset] + bytes([changed]) + raw[offset + 1:]
            checked += 1
            try:
                verifier.verify_document(mutated, key)
            except verifier.Failed:
                continue
            accepted.append(f"offset {offset}: {bytes([byte])!r} -> {bytes([changed])!r} near {raw[max(0, offset - 30):offset + 30]!r}")
    print(f"{checked} changed bundles of {len(raw)} bytes checked; {len(accepted)} accepted")
    for line in accepted[:20]:
        print(line)
    return 0 if not accepted else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
