// The chapter panel stays a view of small functions (issue 18): no function in web/src/ui/panel.js
// is over 250 lines, and the run logic lives in run-control.js (no DOM there). Functions are found
// with TypeScript's own parser (a devDependency, as tsc is), so arrows, methods and nested
// functions all count, each from its first line to its last.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const maxLines = 250;

/** Every function in `source` -> { name, lines } (lines: first to last, both counted). */
export function functionSizes(source, fileName = 'x.js') {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = node.name ?? (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) ? node.parent.name : null);
      found.push({ name: named ? named.getText(file) : `(anonymous, line ${first + 1})`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

test('functionSizes measures every kind of function, nested ones too', () => {
  const sizes = functionSizes([
    'function outer() {',
    '  const inner = () => {',
    '    return 1;',
    '  };',
    '  return { method() { return inner(); } };',
    '}',
    'export const arrow = (x) => x + 1;',
  ].join('\n'));
  assert.deepEqual(sizes, [
    { name: 'outer', lines: 6 },
    { name: 'inner', lines: 3 },
    { name: 'method', lines: 1 },
    { name: 'arrow', lines: 1 },
  ]);
});

test(`no function in web/src/ui/panel.js is over ${maxLines} lines`, () => {
  const source = fs.readFileSync(path.join(root, 'web/src/ui/panel.js'), 'utf8');
  const sizes = functionSizes(source, 'panel.js');
  assert.ok(sizes.some((f) => f.name === 'createChapterPanel'), 'the panel is found');
  const long = sizes.filter((f) => f.lines > maxLines).map((f) => `${f.name}: ${f.lines} lines`);
  assert.deepEqual(long, []);
});

test('the run logic needs no DOM: run-control.js names no document, window or element', () => {
  const source = fs.readFileSync(path.join(root, 'web/src/run-control.js'), 'utf8');
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (const word of ['document', 'window', 'HTMLElement', 'dataset', 'addEventListener', "from './dom.js'", "from './ui/"]) {
    assert.ok(!code.includes(word), `run-control.js uses ${word}`);
  }
});
