# The modules the guest lists in /proc/modules (lsmod; kernel patch 0035).
# UML cannot load the Debian kernel's modules the image carries, so the
# list is what a Debian 12 cloud guest on virtio hardware has loaded, taken
# from that kernel's own files: each module's dependencies from modules.dep
# (loaded before it), its size from its .ko as the kernel lays it out (the
# sections it keeps, each kind page-aligned). Only modules that go with what
# the guest shows: the virtio disk and NIC, ext4 for its root, what systemd
# and udev load on any machine, and the processor's crypto (the host's,
# which the guest shows). Nothing specific to one chipset or hypervisor.
# Appended to identity.json as "modules", in load order, each with the
# modules it uses directly and the users a running system holds beyond its
# dependants (the mounted root holds ext4, systemd's automounts autofs4).
r="$OYSTER_IMAGE_ROOTFS"
release="$(jq -r .kernel_release "$OYSTER_IMAGE_IDENTITY")"
# name[:users beyond dependants], in the order a boot loads them: the
# initramfs (disk, NIC, root filesystem), systemd, udev, the first binfmt.
wanted="virtio_blk:2 virtio_net virtio_pci crc32c_intel:1 crc32c_generic:1 ext4:1
autofs4:2 configfs:1 dm_mod fuse:1 loop
button evdev:2 serio_raw crc32_pclmul crct10dif_pclmul:1 ghash_clmulni_intel sha512_ssse3 aesni_intel
binfmt_misc:1"
modules_json="$(python3 - "$r/lib/modules/$release" $wanted <<'PY'
import json, os, struct, sys

base, wanted = sys.argv[1], sys.argv[2:]

def name_of(path):
    name = os.path.basename(path)
    for suffix in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("-", "_")

paths, deps = {}, {}
with open(os.path.join(base, "modules.dep")) as f:
    for line in f:
        target, _, rest = line.partition(":")
        name = name_of(target)
        paths[name] = target
        deps[name] = [name_of(d) for d in rest.split()]

SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
def layout_size(path):
    # Uncompressed ELF64 only: Debian 12's kernel ships its modules so.
    with open(os.path.join(base, path), "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        sys.exit(f"{path}: not an ELF64 module")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    strtab = sections[shstrndx][4]
    kinds = {"text": 0, "rodata": 0, "data": 0}
    for name_off, _, flags, _, _, size, *_ in sections:
        end = elf.index(b"\0", strtab + name_off)
        name = elf[strtab + name_off:end].decode()
        # The loader drops these from the module's memory.
        if not flags & SHF_ALLOC or name.startswith(".init") or name in (".modinfo", "__versions"):
            continue
        kind = "text" if flags & SHF_EXECINSTR else "data" if flags & SHF_WRITE else "rodata"
        kinds[kind] += size
    return sum((v + 4095) // 4096 * 4096 for v in kinds.values() if v)

order, extra = [], {}
def load(name):
    if name in order:
        return
    if name not in paths:
        sys.exit(f"module {name} is not in {base}/modules.dep")
    for d in deps[name]:
        load(d)
    order.append(name)

for item in wanted:
    name, _, users = item.partition(":")
    load(name)
    extra[name] = int(users or 0)
# modules.dep lists every module a module needs; lsmod's "Used by" names
# only the ones using it directly: those none of its other needs needs.
def direct(name):
    indirect = {d2 for d in deps[name] for d2 in deps[d]}
    return [d for d in deps[name] if d not in indirect]
print(json.dumps([{"name": n, "size": layout_size(paths[n]), "deps": direct(n), "users": extra.get(n, 0)}
                  for n in order]))
PY
)" || exit 1
jq --argjson m "$modules_json" '. + {modules: $m}' "$OYSTER_IMAGE_IDENTITY" > "$OYSTER_IMAGE_IDENTITY.new"
mv "$OYSTER_IMAGE_IDENTITY.new" "$OYSTER_IMAGE_IDENTITY"
echo "shown modules: $(jq -r '[.modules[].name] | join(" ")' "$OYSTER_IMAGE_IDENTITY")"
