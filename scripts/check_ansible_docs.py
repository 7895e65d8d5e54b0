"""What ansible-test's validate-modules checks first, for modules outside a collection: each
module's DOCUMENTATION, EXAMPLES and RETURN parse as YAML, DOCUMENTATION has a description,
and its options match the argument_spec exactly (names, types, defaults, choices, required)."""

import ast
import sys

import yaml


def argument_spec(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "argument_spec":
            spec = {}
            for kw in node.value.keywords:
                spec[kw.arg] = {k.arg: ast.literal_eval(k.value) for k in kw.value.keywords}
            return spec
    raise SystemExit("no argument_spec found")


def check(path):
    tree = ast.parse(open(path).read())
    consts = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
              for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
    problems = []
    for name in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
        if name not in consts:
            problems.append("%s is missing" % name)
    doc = yaml.safe_load(consts.get("DOCUMENTATION", "")) or {}
    yaml.safe_load(consts.get("EXAMPLES", ""))
    yaml.safe_load(consts.get("RETURN", ""))
    for key in ("module", "short_description", "description", "options"):
        if key not in doc:
            problems.append("DOCUMENTATION has no %s" % key)
    description = doc.get("description", [])
    for line in description if isinstance(description, list) else [description]:
        if not isinstance(line, str):
            problems.append("description item is not text (a ': ' inside it?): %r" % (line,))
    options = doc.get("options", {})
    spec = argument_spec(tree)
    if set(options) != set(spec):
        problems.append("options %s != argument_spec %s" % (sorted(options), sorted(spec)))
    for name, arg in spec.items():
        opt = options.get(name, {})
        for key in ("type", "default", "choices", "required"):
            if arg.get(key, False if key == "required" else None) != opt.get(key, False if key == "required" else None):
                problems.append("%s.%s: spec %r, documented %r" % (name, key, arg.get(key), opt.get(key)))
        if not opt.get("description"):
            problems.append("%s has no description" % name)
    return problems


failed = False
for path in sys.argv[1:]:
    problems = check(path)
    for p in problems:
        print("%s: %s" % (path, p))
    failed |= bool(problems)
    print("%s: %s" % (path, "problems" if problems else "documentation matches the argument spec"))
sys.exit(1 if failed else 0)
