#!/usr/bin/env python3
"""tests/lib/mktar.py: write a tar file entry by entry, names exactly as given.

    mktar.py OUT.tar SPEC...

Each SPEC is TYPE[,MODE[,UID:GID]]=PATH[=ARG], written in order:

    dir=PATH               a directory (mode 755)
    file=PATH[=CONTENT]    a regular file (mode 644) holding CONTENT;
                           =@SRC takes the contents from the file SRC
    symlink=PATH=TARGET    a symbolic link
    hardlink=PATH=TARGET   a hard link to the entry TARGET
    char=PATH=MAJ:MIN      a character device (block= for a block device)
    fifo=PATH              a named pipe
    whiteout=DIR/NAME      an OCI whiteout: the empty file DIR/.wh.NAME
    opaque=DIR             an OCI opaque whiteout: DIR/.wh..wh..opq

e.g. `file,4755,0:0=bin/su=x` or `symlink=a=/etc`. Nothing is normalized:
`../evil` and `/evil` land in the tar as written (that is what the hostile
test images need). Times are fixed, so the same specs give the same bytes.
"""

import io
import sys
import tarfile

MTIME = 1704067200  # 2024-01-01T00:00:00Z

TYPES = {
    "dir": (tarfile.DIRTYPE, 0o755),
    "file": (tarfile.REGTYPE, 0o644),
    "symlink": (tarfile.SYMTYPE, 0o777),
    "hardlink": (tarfile.LNKTYPE, 0o644),
    "char": (tarfile.CHRTYPE, 0o666),
    "block": (tarfile.BLKTYPE, 0o660),
    "fifo": (tarfile.FIFOTYPE, 0o644),
    "whiteout": (tarfile.REGTYPE, 0o644),
    "opaque": (tarfile.REGTYPE, 0o644),
}


def entry(spec):
    head, sep, rest = spec.partition("=")
    if not sep or not rest:
        raise SystemExit("mktar.py: bad spec %r: expected TYPE=PATH[=ARG]" % spec)
    fields = head.split(",")
    kind = fields[0]
    if kind not in TYPES:
        raise SystemExit("mktar.py: bad spec %r: unknown type %r" % (spec, kind))
    typ, mode = TYPES[kind]
    path, _, arg = rest.partition("=")
    data = None
    if kind == "whiteout":
        d, _, base = path.rpartition("/")
        path = (d + "/" if d else "") + ".wh." + base
    elif kind == "opaque":
        path = path.rstrip("/") + "/.wh..wh..opq"

    ti = tarfile.TarInfo(path)
    ti.type = typ
    ti.mtime = MTIME
    ti.uname = ti.gname = ""
    if len(fields) > 1 and fields[1]:
        mode = int(fields[1], 8)
    ti.mode = mode
    if len(fields) > 2:
        uid, _, gid = fields[2].partition(":")
        ti.uid, ti.gid = int(uid), int(gid or uid)
    if kind == "file":
        if arg.startswith("@"):
            with open(arg[1:], "rb") as f:
                data = f.read()
        else:
            data = arg.encode()
    elif kind in ("symlink", "hardlink"):
        ti.linkname = arg
    elif kind in ("char", "block"):
        major, _, minor = arg.partition(":")
        ti.devmajor, ti.devminor = int(major), int(minor or 0)
    if data is not None:
        ti.size = len(data)
        return ti, io.BytesIO(data)
    return ti, None


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0 if len(sys.argv) > 1 else 2
    out = sys.argv[1]
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for spec in sys.argv[2:]:
            tar.addfile(*entry(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
