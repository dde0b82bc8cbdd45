#!/usr/bin/env python3
"""Write a copy of an ELF file with header fields changed, for tests that
hand the tool and the kernel hostile files.

    elfpatch.py IN OUT FIELD=VALUE...

FIELD is an ELF header field (e_phoff, e_phnum, e_shoff, ...) or
PTYPE.FIELD for the first program header of that type (PT_DYNAMIC.p_offset,
PT_LOAD.p_filesz, ...); VALUE is an integer (0x... allowed)."""
import struct
import sys

EHDR = {"e_type": (16, "<H"), "e_machine": (18, "<H"), "e_entry": (24, "<Q"),
        "e_phoff": (32, "<Q"), "e_shoff": (40, "<Q"), "e_phentsize": (54, "<H"),
        "e_phnum": (56, "<H"), "e_shentsize": (58, "<H"), "e_shnum": (60, "<H"),
        "e_shstrndx": (62, "<H")}
PHDR = {"p_type": (0, "<I"), "p_flags": (4, "<I"), "p_offset": (8, "<Q"),
        "p_vaddr": (16, "<Q"), "p_paddr": (24, "<Q"), "p_filesz": (32, "<Q"),
        "p_memsz": (40, "<Q"), "p_align": (48, "<Q")}
PTYPES = {"PT_LOAD": 1, "PT_DYNAMIC": 2, "PT_INTERP": 3, "PT_PHDR": 6}


def main():
    src, dst, changes = sys.argv[1], sys.argv[2], sys.argv[3:]
    data = bytearray(open(src, "rb").read())
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    for change in changes:
        field, value = change.split("=")
        value = int(value, 0)
        if "." in field:
            ptype, field = field.split(".")
            for i in range(phnum):
                at = phoff + 56 * i
                if struct.unpack_from("<I", data, at)[0] == PTYPES[ptype]:
                    break
            else:
                sys.exit("elfpatch: no %s in %s" % (ptype, src))
            off, fmt = PHDR[field]
            struct.pack_into(fmt, data, at + off, value)
        else:
            off, fmt = EHDR[field]
            struct.pack_into(fmt, data, off, value)
    with open(dst, "wb") as f:
        f.write(data)


main()
