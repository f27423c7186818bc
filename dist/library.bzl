"""libvmpci for VMMs that do not build with Bazel: one static archive, one
shared library with a soname, the public headers and pkg-config files, all
in one tar laid out as an install prefix (lib/, include/vmpci/,
lib/pkgconfig/). tools/install-lib.sh unpacks it.

Everything is derived from the library target: the archives of every
component it depends on in this repository (merged), the `hdrs` of those
components (the public headers; srcs headers stay internal), and the link
flags they carry (-pthread, -lcjson) for pkg-config's Libs.private."""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")
load("//:internal.bzl", "VMPCI_INTERNAL_TAG")

VmpciHeadersInfo = provider(fields = ["headers"])

def _public_headers_impl(target, ctx):
    # vmpci_internal_headers targets (internal.bzl) share headers between
    # vmpci's own components; they are never installed.
    own = [] if VMPCI_INTERNAL_TAG in ctx.rule.attr.tags else [f for f in getattr(ctx.rule.files, "hdrs", [])]
    deps = [d[VmpciHeadersInfo].headers for d in getattr(ctx.rule.attr, "deps", []) if VmpciHeadersInfo in d]
    return [VmpciHeadersInfo(headers = depset(own, transitive = deps))]

_public_headers = aspect(
    implementation = _public_headers_impl,
    attr_aspects = ["deps"],
)

def _ours(label, ctx):
    # In a consumer's workspace this repository is external too, so compare
    # repositories rather than asking for the main one.
    return label.workspace_name == ctx.label.workspace_name

def _library_dist_impl(ctx):
    lib = ctx.attr.library
    cc = find_cpp_toolchain(ctx)
    archives = []
    flags = []
    for li in lib[CcInfo].linking_context.linker_inputs.to_list():
        for f in li.user_link_flags:
            if f not in flags:
                flags.append(f)
        if not _ours(li.owner, ctx):
            continue
        for l in li.libraries:
            a = l.pic_static_library or l.static_library
            if a:
                archives.append(a)
    headers = [h for h in lib[VmpciHeadersInfo].headers.to_list() if _ours(h.owner, ctx)]
    root = "../%s/" % ctx.label.workspace_name if ctx.label.workspace_name else ""

    soname = "libvmpci.so.%s" % ctx.attr.abi
    static = ctx.actions.declare_file("libvmpci.a")
    shared = ctx.actions.declare_file(soname)
    pc = ctx.actions.declare_file("vmpci.pc")
    pc_static = ctx.actions.declare_file("vmpci-static.pc")
    tar = ctx.actions.declare_file("vmpci-dist.tar")

    # ar's MRI script merges archives whole, members with equal names
    # (device/device.o, migration/device.o) included.
    mri = ["create " + static.path] + ["addlib " + a.path for a in archives] + ["save", "end"]
    ctx.actions.run_shell(
        inputs = archives,
        outputs = [static],
        tools = cc.all_files,
        command = "printf '%%s\\n' %s | %s -M" % (" ".join(["'%s'" % l for l in mri]), cc.ar_executable),
        mnemonic = "VmpciArchive",
        progress_message = "Merging libvmpci.a",
    )
    ctx.actions.run_shell(
        inputs = [static],
        outputs = [shared],
        tools = cc.all_files,
        command = "%s -shared -o %s -Wl,-soname,%s -Wl,--whole-archive %s -Wl,--no-whole-archive %s" % (
            cc.compiler_executable,
            shared.path,
            soname,
            static.path,
            " ".join(flags),
        ),
        # gcc finds its linker on PATH.
        use_default_shell_env = True,
        mnemonic = "VmpciShared",
        progress_message = "Linking " + soname,
    )

    # The installer rewrites prefix= to where it unpacks.
    head = "\n".join([
        "prefix=/usr/local",
        "libdir=${prefix}/lib",
        "includedir=${prefix}/include",
        "",
        "Name: vmpci",
        "Description: PCI passthrough for any VMM through Linux VFIO",
        "Version: %s" % ctx.attr.version,
        "Cflags: -I${includedir}/vmpci",
        "",
    ])
    ctx.actions.write(pc, head + "Libs: -L${libdir} -lvmpci\nLibs.private: %s\n" % " ".join(flags))

    # -lvmpci finds the shared library wherever both are installed; the
    # static archive is asked for by name.
    ctx.actions.write(pc_static, head + "Libs: ${libdir}/libvmpci.a %s\n" % " ".join(flags))

    stage = ["mkdir -p $s/lib/pkgconfig"]
    for h in headers:
        stage.append("install -D -m 644 %s $s/include/vmpci/%s" % (h.path, h.short_path[len(root):]))
    stage += [
        "install -m 644 %s %s $s/lib/pkgconfig/" % (pc.path, pc_static.path),
        "install -m 644 %s $s/lib/" % static.path,
        "install -m 755 %s $s/lib/" % shared.path,
        "ln -s %s $s/lib/libvmpci.so" % soname,
        "tar -cf %s --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C $s include lib" % tar.path,
    ]
    ctx.actions.run_shell(
        inputs = headers + [pc, pc_static, static, shared],
        outputs = [tar],
        command = "set -e; s=$(mktemp -d); trap 'rm -rf $s' EXIT; " + "; ".join(stage),
        mnemonic = "VmpciDist",
        progress_message = "Packing vmpci-dist.tar",
    )
    outputs = [tar, static, shared, pc, pc_static]
    return [DefaultInfo(files = depset(outputs), runfiles = ctx.runfiles(files = outputs))]

library_dist = rule(
    implementation = _library_dist_impl,
    attrs = {
        "library": attr.label(providers = [CcInfo], aspects = [_public_headers]),
        "version": attr.string(mandatory = True),
        "abi": attr.string(mandatory = True),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    incompatible_use_toolchain_transition = True,
)
