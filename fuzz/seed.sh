#!/usr/bin/env bash
# Generates the seed corpora under fuzz/corpus/<target>/ from the shared corpus and the
# repository's fixtures. Nothing generated here is committed (fuzz/.gitignore).
#
#   fuzz/seed.sh            # corpus from $BINLENS_CORPUS or ../shared/corpus
#
# event_decode   FORMAT_DESCRIPTION + the table maps before it + one event, per distinct
#                (file, event type), events up to 8 KiB
# file_dump      whole binlogs up to 64 KiB, and the first ~64 KiB of larger ones
# index_build    the same files as file_dump
# json_binary    MySQL binary JSON documents cut from the JSON columns of json.binlog
#                rows, plus a few made by hand
# decimal_temporal  precision, scale, fsp + value bytes, made by hand
# filter_text    filter, goto and GTID-set strings, made by hand
# export_text    file names, LOCs and values for the quoting functions, made by hand
# dump_stream    replication streams (artificial ROTATE, FDE, events), made by hand
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
corpus="${BINLENS_CORPUS:-$repo/../shared/corpus}"
out="$here/corpus"
mkdir -p "$out"/{event_decode,file_dump,index_build,json_binary,decimal_temporal,filter_text,export_text,dump_stream}

python3 - "$out" "$corpus" "$repo/tests/fixtures" <<'PY'
import hashlib, os, struct, sys

out, *roots = sys.argv[1:]

def save(target, data):
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)

def binlogs():
    for root in roots:
        if not os.path.isdir(root):
            print(f"seed.sh: no {root}; skipping", file=sys.stderr)
            continue
        for d, _, files in os.walk(root):
            for n in sorted(files):
                p = os.path.join(d, n)
                with open(p, "rb") as f:
                    head = f.read(4)
                if head == b"\xfebin":
                    yield p

def events(buf):
    pos = 4
    while pos + 19 <= len(buf):
        size = struct.unpack_from("<I", buf, pos + 9)[0]
        if size < 19 or pos + size > len(buf):
            return
        yield pos, buf[pos + 4], buf[pos:pos + size]
        pos += size

ROWS = set(range(23, 26)) | set(range(30, 33)) | {39} | set(range(166, 172))
files = 0
for path in binlogs():
    buf = open(path, "rb").read()
    files += 1
    # Whole files (or their start, cut at an event boundary) for file_dump and index_build.
    cut = 4
    for pos, _, ev in events(buf):
        if pos + len(ev) > 64 * 1024:
            break
        cut = pos + len(ev)
    save("file_dump", buf[:cut])
    save("index_build", buf[:cut])
    fde, maps, seen = b"", {}, set()
    for pos, t, ev in events(buf):
        if t == 15:
            fde, maps = ev, {}
            continue
        if t == 19:
            maps[ev[19:25]] = ev
        key = t if t not in ROWS else (t, ev[19:25])
        if key in seen or len(ev) > 8192:
            continue
        seen.add(key)
        pre = b"".join(maps.values()) if t in ROWS else b""
        save("event_decode", fde + pre + ev)
        # JSON documents: a rows event of json.binlog carries them after a 4-byte length.
        if "json" in os.path.basename(path) and t in ROWS:
            body = ev[19:]
            for i in range(len(body) - 6):
                n = struct.unpack_from("<I", body, i)[0]
                if 2 <= n <= len(body) - i - 4 and body[i + 4] in range(0, 16):
                    save("json_binary", body[i + 4:i + 4 + n])

# Hand-made JSON: literal null, int16, string, small object {"a":1}, small array [1,"x"].
for doc in [b"\x04\x00", b"\x05\x01\x00", b"\x0c\x03abc",
            bytes([0, 1, 0, 12, 0, 11, 0, 1, 0, 5, 1, 0]) + b"a",
            bytes([2, 2, 0, 10, 0, 5, 1, 0, 12, 8, 0, 1]) + b"x"]:
    save("json_binary", doc)
# Partial-update diffs: length, then op, path, value.
save("json_binary", struct.pack("<I", 8) + b"\x00\x03$.a\x03\x05\x07\x00")
# DECIMAL(10,2) 1234.56, DECIMAL(65,30), TIME2/DATETIME2/TIMESTAMP2 with fsp 0..6.
save("decimal_temporal", bytes([10, 2, 0]) + bytes.fromhex("800004d238"))
save("decimal_temporal", bytes([65, 30, 6]) + bytes(range(1, 40)))
for fsp in range(7):
    save("decimal_temporal", bytes([0, 0, fsp]) + bytes.fromhex("99ae6bc0f0000c3501"))
save("decimal_temporal", bytes([0, 0, 3]) + bytes.fromhex("80000c0003e8"))
# MariaDB compressed column: 0x81, length 3, zlib("abc").
save("decimal_temporal", bytes([0, 0, 0, 0x81, 3]) + bytes.fromhex("789c4b4c4a0600024d0127"))
# Filter, goto and GTID-set text.
for t in ["table:shop.orders", "type:delete and since:-10m", "14:35", "mysql-bin.000002:1337",
          "gtid:3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", 'not (op:update or sql:"DELETE%")',
          "@2034-01-01T00:00:00Z", "0-1-100,0-2-5"]:
    save("filter_text", t.encode())
# Free text (first line) and a value (the rest) for the prefilter's check.
for t in [b"example\n\x0example", b"need@x\n\need@x", b"u123456@example\nu123456@example.com",
          b"200b}z\n\xe2\x80\x8bz", b"Ada Lovelace\n\xadA lovelace", b"(foo|bar)@\nBAR@"]:
    save("filter_text", t)
# Names and values that reach exported commands and SQL.
for t in ["mysql-bin.000004:50876", "2034-03-09 14:44:08", "-rf", "bin logs 'x' $(false) `y`",
          "a\nb", "it's", "back`tick", "\\'; DROP TABLE t; --", "caf\u00e9"]:
    save("export_text", t.encode())
save("export_text", bytes([0xff, 0x27, 0x5c, 0x00]))
# Replication streams: u16-prefixed events as a MySQL 8 / MariaDB dump sends them.
import zlib
def ev(t, log_pos, flags, body):
    size = 19 + len(body) + 4
    e = struct.pack("<IBIIIH", 1700000000, t, 1, size, log_pos, flags) + body
    return e + struct.pack("<I", zlib.crc32(e) & 0xffffffff)
def fde(version):
    body = struct.pack("<H", 4) + version.ljust(50, b"\0") + struct.pack("<IB", 0, 19)
    return ev(15, 0, 0, body + bytes(41) + b"\x01")
def stream(events):
    return b"".join(struct.pack("<H", len(e)) + e for e in events)
for version in [b"8.0.36", b"10.11.6-MariaDB-log"]:
    f = fde(version)
    rot = ev(4, 0, 0x20, struct.pack("<Q", 4) + b"binlog.000001")
    xid = ev(16, 4 + len(f) + 31, 0, struct.pack("<Q", 7))
    real_rot = ev(4, 4 + len(f) + 31 + 19 + 8 + 13 + 4, 0, struct.pack("<Q", 4) + b"binlog.000002")
    save("dump_stream", stream([rot, f, xid, ev(41, 0, 0, b"\x01\x02hb"), real_rot, f]))
save("dump_stream", b"mysql://repl@[::1]:3306")
save("dump_stream", b"[client]\nuser=repl\npassword='x y'\nport=3307\n")
print(f"seed.sh: {files} binlogs", file=sys.stderr)
PY
for t in "$out"/*; do
  echo "seed.sh: $(basename "$t"): $(ls "$t" | wc -l) seeds, $(du -sk "$t" | cut -f1) KiB"
done
