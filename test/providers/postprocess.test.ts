import * as assert from 'assert';
import { imbalance, isMidLine, matchIndentStyle, postProcess, replacedSuffixLength } from '../../src/providers/postprocess';
import { contextAt } from './fixtures';

// Each case: the document with the cursor marked `|`, what the engine returned, what the user sees.
describe('post-processing a completion at the cursor', () => {
  const cases: { name: string; doc: string; raw: string; shown: string }[] = [
    {
      name: 'mid-line: keeps only the first line',
      doc: 'const total = sum(|);\n',
      raw: 'a, b);\nconsole.log(total);',
      shown: 'a, b',
    },
    {
      name: 'an auto-closed quote and bracket after the cursor are not repeated',
      doc: 'console.log("|")\n',
      raw: 'hello world")',
      shown: 'hello world',
    },
    {
      name: 'a completion that closes its own call keeps its bracket: cutting it would unbalance the line',
      doc: 'foo(|)\n',
      raw: 'bar()',
      shown: 'bar()',
    },
    {
      name: 'a completion that writes the auto-closed bracket mid-way is kept whole (the provider replaces the bracket)',
      doc: 'foo(|)\n',
      raw: 'a, b);',
      shown: 'a, b);',
    },
    {
      name: 'the whole rest of the line is not repeated',
      doc: 'if (|) {\n}\n',
      raw: 'count > 0) {',
      shown: 'count > 0',
    },
    {
      name: 'a closer followed by more punctuation on the line: only the matching run goes',
      doc: 'const xs = [1, 2|];\n',
      raw: ', 3]',
      shown: ', 3',
    },
    {
      name: 'a completion unrelated to the rest of the line is kept whole, with its space before the word after the cursor',
      doc: 'let a = |b;\n',
      raw: '2 * ',
      shown: '2 * ',
    },
    {
      name: 'a completion that rewrites the word after the cursor keeps the space before it',
      doc: 'let a = |b;\n',
      raw: '2 * b;',
      shown: '2 * ',
    },
    {
      name: 'before a closer the trailing space still goes',
      doc: 'call(|)\n',
      raw: 'a, ',
      shown: 'a,',
    },
    {
      name: 'end of line: multi-line, but the next lines of the document are not repeated',
      doc: 'function add(xs) {\n  let total = 0;|\n  return total;\n}\n',
      raw: '\n  for (const x of xs) total += x;\n  return total;\n}',
      shown: '\n  for (const x of xs) total += x;',
    },
    {
      name: 'a distinctive next line repeated inside the completion cuts it there',
      doc: 'function f() {|\n  const config = load();\n}\n',
      raw: '\n  log("start");\n  const config = load();\n  use(config);',
      shown: '\n  log("start");',
    },
    {
      name: 'a lone closing brace is not taken for the next line unless the rest matches',
      doc: 'if (ok) {|\n}\nnext();\n',
      raw: '\n  run();\n}\nmore();',
      shown: '\n  run();\n}\nmore();',
    },
    {
      name: 'on an indented empty line the typed indent is not doubled',
      doc: 'function f() {\n    |\n}\n',
      raw: '    return 1;',
      shown: 'return 1;',
    },
    {
      name: 'on a blank line the suggestion does not start by leaving it blank',
      doc: 'function f() {\n  |\n}\n',
      raw: '\n  return 1;',
      shown: 'return 1;',
    },
    {
      name: 'trailing spaces and blank lines are dropped',
      doc: 'const a = |\n',
      raw: '1;   \n\n\n',
      shown: '1;',
    },
    {
      name: 'whitespace only is no suggestion',
      doc: 'foo(|)\n',
      raw: '   ',
      shown: '',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.strictEqual(postProcess(c.raw, contextAt(c.doc)), c.shown);
    });
  }

  it('replaces the auto-closed brackets after the cursor only when the suggestion writes them itself and the line balances', () => {
    assert.strictEqual(replacedSuffixLength('a, b);', 'foo(', ')'), 1, 'foo(a, b); rather than foo(a, b););');
    assert.strictEqual(replacedSuffixLength('bar()', 'foo(', ')'), 0, 'foo(bar()) needs the existing )');
    assert.strictEqual(replacedSuffixLength('a, b', 'foo(', ')'), 0, 'nothing to replace');
    assert.strictEqual(replacedSuffixLength('x]) + 1', 'f([', '])'), 2);
    assert.strictEqual(replacedSuffixLength('hi" + name', 'say("', '")'), 1, 'the quote, not the bracket the rest still needs');
    assert.strictEqual(replacedSuffixLength('a);\nb();', 'foo(', ')'), 0, 'a multi-line item cannot replace');
    assert.strictEqual(imbalance('f(a[1], "x")'), 0);
    assert.strictEqual(imbalance('f(a[1], "x'), 2, 'an open call and an open string');
  });

  it('follows the editor indentation: tabs when the editor uses tabs', () => {
    const ctx = contextAt('class A {|\n}\n', { insertSpaces: false, tabSize: 4 });
    assert.strictEqual(postProcess('\n    m() {\n        return 1;\n    }', ctx), '\n\tm() {\n\t\treturn 1;\n\t}');
  });

  it('converts tabs to spaces of the editor tab size', () => {
    assert.strictEqual(matchIndentStyle('x\n\ty\n\t\tz', { insertSpaces: true, tabSize: 2 }), 'x\n  y\n    z');
  });

  it('mid-line means non-whitespace after the cursor, not just anything', () => {
    assert.strictEqual(isMidLine(contextAt('foo(|)')), true);
    assert.strictEqual(isMidLine(contextAt('foo()|   \nbar')), false);
  });
});
