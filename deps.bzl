"""What a Bazel workspace that depends on vmpci declares, in one call.

In the consumer's WORKSPACE:

    local_repository(name = "vmpci", path = "/path/to/vmpci")
    load("@vmpci//:deps.bzl", "vmpci_dependencies")
    vmpci_dependencies()

and `deps = ["@vmpci//:vmpci"]` in its BUILD files. vmpci needs the system
cJSON (Debian's libcjson-dev) as @system_cjson. An offline Bazel 4
workspace also needs stand-ins for rules_cc, rules_java and
remote_coverage_tools, which Bazel would otherwise download:
`offline_stand_ins = True` (the default) declares vmpci's own. A
repository the consumer declared before the call is left as it is."""

def _stand_in_impl(rctx):
    # The stand-in's files, linked from vmpci's third_party/.
    root = rctx.path(Label("//:WORKSPACE")).dirname
    src = root.get_child("third_party").get_child(rctx.attr.dir)
    for child in src.readdir():
        rctx.symlink(child, child.basename)

_stand_in = repository_rule(
    implementation = _stand_in_impl,
    attrs = {"dir": attr.string(mandatory = True)},
    local = True,
)

def vmpci_dependencies(offline_stand_ins = True):
    if not native.existing_rule("system_cjson"):
        native.new_local_repository(
            name = "system_cjson",
            build_file = str(Label("//third_party/cjson:BUILD.system")),
            path = "/usr",
        )
    if not offline_stand_ins:
        return
    for name in ["rules_cc", "rules_java", "remote_coverage_tools"]:
        if not native.existing_rule(name):
            _stand_in(name = name, dir = name)
