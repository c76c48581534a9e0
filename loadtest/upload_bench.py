#!/usr/bin/env python3
"""Upload memory benchmark: concurrent uploads of a small PNG that decodes to a large image.

Starts the release `civic` binary on a fresh SQLite data directory, creates a water tenant, sends N uploads at
once (default 10) of a ~38 KB palette PNG that decodes to 8000x5000, and reports the server's peak resident
memory (VmHWM from /proc/PID/status), the time of each upload, and how many were answered 201, 503 and 429.

    cargo build --release --bin civic
    python3 loadtest/upload_bench.py [--bin target/release/civic] [--uploads 10] [--rounds 1]

Environment such as CIVIC_DECODE_BUDGET_MB is passed to the server. Python standard library only.
"""

import argparse
import collections
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def palette_png(width: int, height: int) -> bytes:
    """An 8-bit palette PNG of one colour: a few dozen KB that decode to width*height*3 bytes of RGB."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    row = b"\x00" + b"\x00" * width
    raw = zlib.compressobj(9)
    idat = b"".join(raw.compress(row) for _ in range(height)) + raw.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"PLTE", bytes([30, 120, 60]))
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm(pid: int, field: str) -> int:
    """A VmXXX field of /proc/PID/status, in kB."""
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M).group(1))


def upload(base: str, key: str, image: bytes, mime: str) -> tuple[int, float, str]:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nmeter_photo\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n"
        f"Content-Type: {mime}\r\n\r\n"
    ).encode() + image + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        f"{base}/media",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            status, retry = r.status, ""
            r.read()
    except urllib.error.HTTPError as e:
        status, retry = e.code, e.headers.get("Retry-After", "")
        e.read()
    return status, time.monotonic() - started, retry


def main() -> int:
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(target, "release", "civic"))
    parser.add_argument("--uploads", type=int, default=10, help="uploads sent at once")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of uploads, one after the other")
    parser.add_argument("--width", type=int, default=8000)
    parser.add_argument("--height", type=int, default=5000)
    parser.add_argument("--file", help="upload this image (JPEG, PNG or WebP) instead of the generated PNG")
    args = parser.parse_args()

    if args.file:
        with open(args.file, "rb") as f:
            image = f.read()
        mime = {b"\xff\xd8": "image/jpeg", b"\x89P": "image/png"}.get(image[:2], "image/webp")
    else:
        image, mime = palette_png(args.width, args.height), "image/png"
    data_dir = tempfile.mkdtemp(prefix="civic-upload-bench-")
    port = free_port()
    env = dict(os.environ, CIVIC_DATA_DIR=data_dir, CIVIC_BIND=f"127.0.0.1:{port}", RUST_LOG="warn")
    env.pop("DATABASE_URL", None)
    env.pop("DATABASE_ADMIN_URL", None)
    env.pop("REDIS_URL", None)
    server = None
    try:
        subprocess.run([args.bin, "migrate"], env=env, check=True, capture_output=True)
        created = subprocess.run(
            [args.bin, "tenant", "create", "--slug", "upload-bench", "--name", "Upload bench", "--template", "water"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        key = re.search(r"API key \(shown once\): (\S+)", created).group(1)
        server = subprocess.Popen([args.bin, "serve"], env=env, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
        idle_kb = vm(server.pid, "VmRSS")

        results = []
        wall = time.monotonic()
        for _ in range(args.rounds):
            lock = threading.Lock()

            def one():
                r = upload(base, key, image, mime)
                with lock:
                    results.append(r)

            threads = [threading.Thread(target=one) for _ in range(args.uploads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        wall = time.monotonic() - wall
        peak_kb = vm(server.pid, "VmHWM")

        statuses = collections.Counter(status for status, _, _ in results)
        times = sorted(seconds for _, seconds, _ in results)
        by_status = collections.defaultdict(list)
        for status, seconds, _ in results:
            by_status[status].append(seconds)
        retry = sorted({r for _, _, r in results if r})
        print(f"upload: {len(image):,} bytes of {mime} ({args.file or f'PNG decoding to {args.width}x{args.height}'}); "
              f"{args.uploads} at once x {args.rounds} round(s); "
              f"CIVIC_DECODE_BUDGET_MB={os.environ.get('CIVIC_DECODE_BUDGET_MB', 'default')}")
        print(f"server RSS idle {idle_kb / 1024:.0f} MB, peak (VmHWM) {peak_kb / 1024:.0f} MB")
        print(f"answered {len(results)}/{args.uploads * args.rounds} in {wall:.2f} s: "
              + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
              + (f" (Retry-After {', '.join(retry)} s)" if retry else ""))
        for status, seconds in sorted(by_status.items()):
            print(f"  {status}: time per upload min {min(seconds):.2f} s, "
                  f"mean {sum(seconds) / len(seconds):.2f} s, max {max(seconds):.2f} s")
        print(f"  all: median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")
        return 0 if peak_kb < 400 * 1024 and len(results) == args.uploads * args.rounds else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
