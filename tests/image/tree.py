#!/usr/bin/python3
"""The image tree test (tests/cases/31-image-tree.sh): make a tree of 5,000+
files, or walk one and change it, printing what a program sees.

    tree.py make DIR     files, directories, symlinks, modes and mtimes
    tree.py walk DIR     every path: type, mode, size, mtime, owner, links,
                         sha256 or target, and each directory's full listing;
                         then writes, unlinks, renames, mmaps and creations,
                         many in directories nothing has read yet

The same script runs natively on a copy of the tree and in Alto on the
image, and the outputs must agree: a lazily unpacked image must look
exactly like files written to a disk. Paths are printed relative to DIR,
listings sorted; directory sizes differ between file systems and are left
out.
"""

import hashlib
import mmap
import os
import stat
import sys

DIRS = 60
FILES = 5100
BIG_DIR = 700  # one directory with many entries


def make(root):
    os.makedirs(root)
    n = 0
    sizes = [0, 1, 100, 4095, 4096, 4097, 9000, 20000]
    for d in range(DIRS):
        base = os.path.join(root, f"pkg{d:02}", "sub" if d % 4 == 0 else "", "deep" if d % 8 == 0 else "")
        os.makedirs(base, exist_ok=True)
        count = BIG_DIR if d == 7 else (FILES - BIG_DIR) // (DIRS - 1)
        for f in range(count):
            path = os.path.join(base, f"mod{f:03}.py")
            size = sizes[(d * 7 + f) % len(sizes)]
            with open(path, "wb") as fh:
                fh.write(bytes((d * 31 + f * 7 + i) % 251 for i in range(size)))
            os.chmod(path, [0o644, 0o755, 0o600, 0o444, 0o640][(d + f) % 5])
            os.utime(path, (1_500_000_000 + n, 1_500_000_000 + n * 37))
            n += 1
    for d in range(DIRS):
        os.makedirs(os.path.join(root, f"pkg{d:02}", "empty"), exist_ok=True)
    os.symlink("pkg01/mod000.py", os.path.join(root, "link-file"))
    os.symlink("pkg02", os.path.join(root, "link-dir"))
    os.symlink("../pkg03/mod001.py", os.path.join(root, "pkg04", "link-up"))
    os.symlink("nowhere", os.path.join(root, "dangling"))
    os.chmod(os.path.join(root, "pkg05"), 0o700)
    for link in ("link-file", "link-dir", "pkg04/link-up", "dangling"):
        os.utime(os.path.join(root, link), (1_400_000_000, 1_400_000_000), follow_symlinks=False)
    for dirpath, dirnames, _ in os.walk(root, topdown=False):
        for d in dirnames:  # after everything inside: times that stay
            if not os.path.islink(os.path.join(dirpath, d)):
                os.utime(os.path.join(dirpath, d), (1_600_000_000, 1_600_000_000 + len(d)))
    print(n, "files")


def describe(root, rel):
    path = os.path.join(root, rel)
    st = os.lstat(path)
    kind = stat.S_IFMT(st.st_mode)
    line = f"{rel} {oct(st.st_mode)} {st.st_uid}:{st.st_gid} links={st.st_nlink}"
    if kind == stat.S_IFREG:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        mtime = int(st.st_mtime) if st.st_mtime < 1_700_000_000 else "changed"
        line += f" size={st.st_size} mtime={mtime} blocks>0={st.st_blocks > 0} {digest}"
    elif kind == stat.S_IFLNK:
        line += f" -> {os.readlink(path)} mtime={int(st.st_mtime)}"
    elif kind == stat.S_IFDIR:
        names = sorted(os.listdir(path))
        # A directory the changes touched has the time of the run.
        mtime = int(st.st_mtime) if st.st_mtime < 1_700_000_000 else "changed"
        line += f" entries={len(names)} mtime={mtime}"
    return line


def walk_all(root, out):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        out.append(describe(root, rel))
        out.append(f"  list: {' '.join(sorted(os.listdir(dirpath)))}"[:2000])
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            out.append(describe(root, os.path.join(rel, name)))


def try_(what, fn):
    try:
        return f"{what}: {fn()}"
    except OSError as e:
        return f"{what}: {type(e).__name__} errno {e.errno}"


def changes(root, out):
    """Changes in directories that nothing has read yet, then what they did."""
    j = lambda *p: os.path.join(root, *p)  # noqa: E731
    # Before any listing of pkg10..pkg19: stat of a directory, its links and entries.
    st = os.stat(j("pkg10"))
    out.append(f"pkg10 before any listing: links={st.st_nlink} mode={oct(st.st_mode)}")
    out.append(try_("rmdir non-empty pkg11", lambda: os.rmdir(j("pkg11"))))
    out.append(try_("rename pkg12 -> renamed", lambda: os.rename(j("pkg12"), j("renamed"))))
    out.append(try_("rename a file out of pkg13", lambda: os.rename(j("pkg13", "mod002.py"), j("moved.py"))))
    out.append(try_("unlink in pkg14", lambda: os.unlink(j("pkg14", "mod003.py"))))
    out.append(try_("create in pkg15", lambda: open(j("pkg15", "new.txt"), "w").write("new\n")))
    out.append(try_("mkdir in pkg16/sub", lambda: os.mkdir(j("pkg16", "sub", "newdir"))))
    out.append(try_("rename over a dir of the image", lambda: os.rename(j("pkg17", "empty"), j("pkg18", "empty"))))
    out.append(try_("rmdir an empty image dir", lambda: os.rmdir(j("pkg19", "empty"))))
    # Writes to image files: the image's own pages are copied, never changed.
    with open(j("pkg21", "mod005.py"), "r+b") as f:
        f.seek(4000)
        f.write(b"WRITTEN")
    with open(j("pkg21", "mod006.py"), "ab") as f:
        f.write(b"APPENDED" * 1000)
    os.truncate(j("pkg21", "mod007.py"), 10)
    # mmap: shared writes reach the file, private ones do not.
    with open(j("pkg22", "mod005.py"), "r+b") as f:
        m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED)
        m[0:6] = b"SHARED"
        m.flush()
        m.close()
        m = mmap.mmap(f.fileno(), 0, mmap.MAP_PRIVATE)
        before = bytes(m[4090:4100])
        m[4090:4100] = b"PRIVATE..."
        m.close()
        out.append(f"private mapping read {before.hex()}")
    with open(j("pkg22", "mod004.py"), "rb") as f:
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        out.append(f"read-only mapping sha {hashlib.sha256(m[:]).hexdigest()[:16]}")
        m.close()
    os.chmod(j("pkg23", "mod001.py"), 0o600)
    os.utime(j("pkg23", "mod002.py"), (5, 7))
    os.link(j("pkg25", "mod001.py"), j("pkg25", "hard"))


def main():
    cmd, root = sys.argv[1], sys.argv[2]
    if cmd == "make":
        return make(root)
    out = []
    changes(root, out)
    walk_all(root, out)
    # Each line ends with a newline; the whole goes out in one write.
    sys.stdout.write("\n".join(out) + "\n")


main()
