"""A DNS server for tests: answers A queries for each NAME with its ADDRESSes, NXDOMAIN for any
other name, and an empty answer for other types of a known NAME (e.g. AAAA). UDP, loopback.

Usage: python3 dns_stub.py LISTEN_IP PORT NAME=ADDRESS[,ADDRESS...]...
(prints "ready" once bound; runs until killed)
"""

import socket
import sys


def answer(query: bytes, names: dict[str, list[str]]) -> bytes | None:
    if len(query) < 12:
        return None
    qid, flags = query[:2], query[2:4]
    # Question: labels up to a zero byte, then QTYPE and QCLASS.
    labels, i = [], 12
    while i < len(query) and query[i] != 0:
        length = query[i]
        labels.append(query[i + 1 : i + 1 + length].decode("ascii", "replace"))
        i += 1 + length
    question = query[12 : i + 5]
    qtype = int.from_bytes(query[i + 1 : i + 3], "big")
    asked = ".".join(labels).lower().rstrip(".")
    rd = flags[0] & 0x01
    if asked not in names:
        header = qid + bytes([0x80 | rd, 0x83]) + (1).to_bytes(2, "big") + bytes(6)
        return header + question
    if qtype != 1:
        header = qid + bytes([0x84 | rd, 0x80]) + (1).to_bytes(2, "big") + bytes(6)
        return header + question
    addresses = names[asked]
    header = qid + bytes([0x84 | rd, 0x80]) + (1).to_bytes(2, "big") + len(addresses).to_bytes(2, "big")
    header += bytes(4)
    records = b""
    for address in addresses:
        records += b"\xc0\x0c" + (1).to_bytes(2, "big") + (1).to_bytes(2, "big") + (1).to_bytes(4, "big")
        records += (4).to_bytes(2, "big") + socket.inet_aton(address)
    return header + question + records


def main() -> None:
    listen, port = sys.argv[1], int(sys.argv[2])
    names = {}
    for entry in sys.argv[3:]:
        name, _, addresses = entry.partition("=")
        names[name.lower().rstrip(".")] = addresses.split(",")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((listen, port))
    print("ready", flush=True)
    while True:
        query, peer = sock.recvfrom(512)
        reply = answer(query, names)
        if reply is not None:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
