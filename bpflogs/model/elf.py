"""What a BPF ELF object holds besides its programs: sections, maps, license, CO-RE
relocations and the ISA features its code uses (spec: objects.md 1.4).

A ``Capture`` read from an object (``Capture.format == "elf"``) carries one ``ObjectFile``;
its programs are ordinary ``Program``s (``origin="elf"``), decoded from the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CoreRelo", "MapDef", "ObjectFile", "Section"]


@dataclass(frozen=True, slots=True)
class Section:
    """One ELF section header, as ``llvm-readelf -S`` lists it."""

    index: int
    name: str
    type: str  # "PROGBITS", "NOBITS", "REL", "SYMTAB", "STRTAB" ...
    flags: str  # "AX" (code), "WA" (data), "A" ...
    size: int  # bytes
    executable: bool  # SHF_EXECINSTR: a program section (or .text)


@dataclass(frozen=True, slots=True)
class MapDef:
    """A map the object defines: a BTF-defined map in ``.maps`` (``__uint(type, ...)``), or
    global data (``.rodata``, ``.data``, ``.bss``, ``.rodata.str1.1``) the loader makes a map of."""

    name: str  # the symbol ("counters") or the section (".rodata")
    section: str  # ".maps", ".rodata" ...
    type: str | None = None  # "array", "hash", "percpu_array" ... (BPF_MAP_TYPE_*, lower case)
    key_size: int | None = None  # bytes
    value_size: int | None = None  # bytes
    max_entries: int | None = None
    flags: int | None = None  # map_flags
    pinning: int | None = None


@dataclass(frozen=True, slots=True)
class CoreRelo:
    """A CO-RE relocation of ``.BTF.ext``: what the loader rewrites at one instruction."""

    section: str
    slot: int  # in its section
    kind: str  # "field_byte_offset", "type_exists", "enumval_value" ... (libbpf's names)
    type_name: str  # the root type, e.g. "struct task_struct"
    access: str  # the access string, e.g. "0:1:2"


@dataclass(frozen=True, slots=True)
class ObjectFile:
    """An object's own facts (its programs are on the ``Capture``)."""

    path: str
    endian: str  # "little" (bpfel) or "big" (bpfeb)
    sections: tuple[Section, ...]
    maps: tuple[MapDef, ...] = ()
    license: str | None = None
    btf: bool = False  # has .BTF
    btf_ext: bool = False  # has .BTF.ext (line and function info)
    debug: bool = False  # has DWARF (.debug_info)
    core_relos: tuple[CoreRelo, ...] = ()
    features: tuple[str, ...] = ()  # ISA features the code uses: "alu32", "jmp32", "atomics", "v4" ...
