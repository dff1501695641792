import * as assert from 'node:assert/strict';
import { lineTasks } from '../../src/engine/lineTasks';
import { MASK_GLYPH, renderDraft } from '../../src/engine/renderDraft';
import type { DraftSnapshot } from '../../src/engine/types';

describe('trace rendering', () => {
  const snapshot: DraftSnapshot = {
    step: 3,
    elapsedMs: 12.4,
    text: 'a\nb',
    slots: [
      { text: 'a', state: 'stable' },
      { text: '\n', state: 'committed' },
      { text: 'x', state: 'flagged' },
      { text: '', state: 'masked' },
      { text: 'b', state: 'rewritten' },
    ],
  };

  it('shows masked slots as ▒, line breaks as ↵ and flagged tokens marked, on one line', () => {
    const line = renderDraft(snapshot, false);
    assert.equal(line, `step   3    12 ms │ a↵[x]${MASK_GLYPH}b  (1 re-masked)`);
    assert.ok(!line.includes('\n'));
  });

  it('colours flagged slots red and rewritten ones green with ANSI codes', () => {
    const line = renderDraft(snapshot, true);
    assert.ok(line.includes('\x1b[41;97mx\x1b[0m'));
    assert.ok(line.includes('\x1b[32mb\x1b[0m'));
  });
});

describe('held-out line tasks', () => {
  it('completes each non-trivial line from where its code starts, spread over the files', () => {
    const text = 'function f() {\n  const value = compute();\n  // a comment line\n  return value;\n}\n';
    const tasks = lineTasks([{ text }], 10);
    assert.deepEqual(
      tasks.map((t) => t.middle),
      ['function f() {', 'const value = compute();', 'return value;'],
    );
    for (const t of tasks) assert.equal(t.prefix + t.middle + t.suffix, text);
    assert.equal(lineTasks([{ text }], 2).length, 2);
  });
});
