"""A plain UDP echo with scripted impairments, for the bench's end-to-end tests.

Run as its own process: `python forwarder.py [--drop-every N] [--dup-every N] [--swap-every N]
[--corrupt-every N] [--stall-at I --stall-ms MS]`. It binds 127.0.0.1 on a free port, prints
the port on stdout, and echoes each datagram back to its sender. Message i (counted from 0)
is dropped, duplicated or sent with one octet flipped when i % N == N - 1 (so exactly
count // N of count); with --swap-every N, message i with i % N == 0 is held back behind the
next one; `--stall-at I` sleeps once before
handling message I. It stops when stdin closes.
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    for name in ("drop", "dup", "swap", "corrupt"):
        ap.add_argument(f"--{name}-every", type=int, default=0)
    ap.add_argument("--stall-at", type=int, default=-1)
    ap.add_argument("--stall-ms", type=float, default=0.0)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    # Exit when the test closes our stdin (or dies): no orphan processes. (Closing the socket
    # from another thread would not wake a blocked recvfrom, hence the timeout and the flag.)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    sock.settimeout(0.1)

    def hit(every: int, i: int) -> bool:
        return every > 0 and i % every == every - 1

    held: tuple[bytes, object] | None = None
    i = 0
    while True:
        try:
            data, peer = sock.recvfrom(65535)
        except TimeoutError:
            if done.is_set():
                return
            continue
        if i == args.stall_at:
            time.sleep(args.stall_ms / 1000)
        if hit(args.drop_every, i):
            pass
        elif args.swap_every > 0 and i % args.swap_every == 0:
            held = (data, peer)
        else:
            if hit(args.corrupt_every, i):
                b = bytearray(data)
                b[len(b) // 2] ^= 0x10
                data = bytes(b)
            sock.sendto(data, peer)
            if hit(args.dup_every, i):
                sock.sendto(data, peer)
            if held is not None:
                sock.sendto(*held)
                held = None
        i += 1


if __name__ == "__main__":
    main()
