"""Import loops between the files of each crate: `use crate::…`, `super::…` and child
paths, with re-exports (`pub use x::Y`) followed to the file that defines the item, so a
facade (lib.rs, mod.rs) that only declares and re-exports is not a loop."""
import pathlib
import re


def crate_files(src):
    files = {}
    for f in src.rglob('*.rs'):
        parts = list(f.relative_to(src).with_suffix('').parts)
        if parts[-1] == 'mod': parts = parts[:-1]
        if parts in (['lib'], ['main']): parts = []
        files[tuple(parts)] = f
    return files

def code(text):
    text = re.sub(r'//[^\n]*', '', text)
    m = re.search(r'#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod tests', text)
    return text[:m.start()] if m else text

def reexports(mod, text):
    """name -> module path the file re-exports it from."""
    out = {}
    for m in re.finditer(r'pub(?:\([^)]*\))?\s+use\s+(?:self::)?([\w:]+?)::(\{[^}]*\}|\w+)\s*;', text):
        src, names = m.group(1), m.group(2)
        if src.startswith(('crate', 'super', 'std', 'core')) or '::' in src and not src.split('::')[0]:
            continue
        for n in names.strip('{}').split(','):
            n = n.strip().split(' as ')[-1].strip()
            if n: out[n] = tuple(mod) + tuple(src.split('::'))
    return out

def resolve(full, files, exports):
    for n in range(len(full), -1, -1):
        f = tuple(full[:n])
        if f in files:
            if n < len(full) and full[n] in exports.get(f, {}):
                target = exports[f][full[n]]
                return resolve(list(target) + full[n + 1:], files, exports) if target != f else f
            return f
    return None

def refs(mod, text, files, exports):
    out = set()
    paths = []
    for m in re.finditer(r'\b(crate|super|self)((?:::\w+)+)(::\{([^}]*)\})?', text):
        head, path = m.group(1), m.group(2).split('::')[1:]
        base = [] if head == 'crate' else list(mod[:-1]) if head == 'super' else list(mod)
        if m.group(4):
            # `use crate::a::{b, c::d}` names b and c::d, and a itself only via `self`.
            for item in m.group(4).split(','):
                item = item.strip().split(' as ')[0]
                if item == 'self':
                    paths.append(base + path)
                elif item:
                    paths.append(base + path + item.split('::'))
        else:
            paths.append(base + path)
    for child in [k for k in files if len(k) == len(mod) + 1 and k[:len(mod)] == mod]:
        for m in re.finditer(r'(?<![\w:])' + child[-1] + r'((?:::\w+)+)', text):
            paths.append(list(child) + m.group(1).split('::')[1:])
    for p in paths:
        r = resolve(p, files, exports)
        if r is not None and r != tuple(mod):
            out.add(r)
    return out

def cycles_of(src):
    files = crate_files(src)
    texts = {m: code(f.read_text()) for m, f in files.items()}
    exports = {m: reexports(m, t) for m, t in texts.items()}
    graph = {m: refs(m, t, files, exports) for m, t in texts.items()}
    found, seen = set(), set()
    def dfs(v, stack):
        seen.add(v)
        for w in graph[v]:
            if w in stack:
                found.add(tuple(sorted('/'.join(c) or '(root)' for c in stack[stack.index(w):])))
            elif w not in seen:
                dfs(w, stack + [w])
    for v in graph:
        if v not in seen:
            dfs(v, [v])
    return sorted(found)

def crate_cycles(root: pathlib.Path) -> list[str]:
    """Every loop found, as `crate: a <-> b`, for the crates of the workspace at root."""
    out = []
    for cargo in sorted(root.glob('*/Cargo.toml')):
        if (cargo.parent / 'src').exists():
            out += [f"{cargo.parent.name}: {' <-> '.join(c)}" for c in cycles_of(cargo.parent / 'src')]
    return out
