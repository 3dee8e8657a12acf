"""app/domain stays pure: standard library only (STYLE.md "Pure rules, tested by tables")."""

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / 'app' / 'domain'
MODULES = sorted(DOMAIN.rglob('*.py'))


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, '.' * node.level + (node.module or '')


def _allowed(name):
    if name.startswith('.') or name == 'app.domain' or name.startswith('app.domain.'):
        return True
    return name.split('.')[0] in sys.stdlib_module_names


def test_domain_modules_are_found():
    names = {path.stem for path in MODULES}
    assert {'ratings', 'catalogue', 'grid', 'changes', 'aggregate', 'saf'} <= names


@pytest.mark.parametrize('path', MODULES, ids=lambda path: str(path.relative_to(DOMAIN)))
def test_domain_imports_only_the_standard_library(path):
    bad = [f'line {line}: {name}' for line, name in _imports(path) if not _allowed(name)]
    assert not bad, f'{path.name} imports outside the standard library: {bad}'
