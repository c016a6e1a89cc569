#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The house drawn from its imports, and the rule checked: layers point one way
(common -> drivers -> refclock -> server -> daemon), no module includes a header of a layer
above its own, no circle of modules (a module is a .c and its .h), and the build's per-layer
include views refuse an upward include (a compile that must fail, beside one that must pass).

usage: check_layers.py SOURCE_DIR BUILD_DIR [CC]"""
import os
import re
import subprocess
import sys
import tempfile

LAYERS = ["common", "drivers", "refclock", "server", "daemon"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([A-Za-z0-9_]+)\.h"', re.M)


def modules(src):
    """{module: set of modules it includes}, module = 'folder/name'."""
    graph = {}
    for layer in LAYERS:
        for f in sorted(os.listdir(os.path.join(src, layer))):
            if not f.endswith((".c", ".h")):
                continue
            mod = layer + "/" + f[:-2]
            text = open(os.path.join(src, layer, f), encoding="utf-8").read()
            deps = graph.setdefault(mod, set())
            for folder, name in INCLUDE.findall(text):
                if folder + "/" + name != mod:
                    deps.add(folder + "/" + name)
    return graph


def find_cycle(graph):
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d in graph and state.get(d) is None:
                c = visit(d)
                if c:
                    return c
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if state.get(m) is None:
            c = visit(m)
            if c:
                return c
    return None


def compiles(cc, view, header):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "probe.c")
        with open(path, "w") as f:
            f.write('#include "%s"\nint gn_probe;\n' % header)
        r = subprocess.run([cc, "-std=gnu11", "-D_GNU_SOURCE", "-fsyntax-only", "-I", view, path],
                           capture_output=True, text=True)
        return r.returncode == 0


def main():
    src, build = sys.argv[1], sys.argv[2]
    cc = sys.argv[3] if len(sys.argv) > 3 else "cc"
    graph = modules(src)
    rank = {l: i for i, l in enumerate(LAYERS)}
    bad = []
    arrows = {}
    for m, deps in sorted(graph.items()):
        for d in sorted(deps):
            lm, ld = m.split("/")[0], d.split("/")[0]
            if ld not in rank:
                bad.append("%s includes %s: not a layer" % (m, d))
            elif rank[ld] > rank[lm]:
                bad.append("%s includes %s: a layer above its own" % (m, d))
            elif ld != lm:
                arrows[(lm, ld)] = arrows.get((lm, ld), 0) + 1
    print("the house, from its imports (layer: modules; arrows: includes of lower layers)")
    for l in reversed(LAYERS):
        mods = sorted(m.split("/")[1] for m in graph if m.startswith(l + "/"))
        print("  %-9s %s" % (l + ":", " ".join(mods)))
        for (a, b), n in sorted(arrows.items()):
            if a == l:
                print("  %-9s -> %s (%d)" % ("", b, n))
    cycle = find_cycle(graph)
    if cycle:
        bad.append("a circle of modules: " + " -> ".join(cycle))
    # The build: each layer compiles against a view of the folders at or below it.
    views = os.path.join(build, "layers")
    probes = [("refclock", "refclock/rc.h", True), ("refclock", "server/srv.h", False),
              ("drivers", "drivers/drv.h", True), ("drivers", "refclock/rc.h", False),
              ("server", "refclock/refstate.h", True), ("server", "daemon/cfg.h", False),
              ("common", "drivers/drv.h", False)]
    for layer, header, want in probes:
        got = compiles(cc, os.path.join(views, layer), header)
        print("  build: %-8s including %-20s %s" % (layer, header,
                                                    "compiles" if got else "refused"))
        if got != want:
            bad.append("the %s view %s %s" % (layer, "accepts" if got else "refuses", header))
    for b in bad:
        print("FAIL: " + b)
    if not bad:
        print("PASS: %d modules in %d layers, every include points down, no circle, the build "
              "refuses an upward include" % (len(graph), len(LAYERS)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
