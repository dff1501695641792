import * as assert from 'assert';
import { auc, caughtAt } from '../../bench/head-detection';

describe('head detection measures (bench/head-detection.ts)', () => {
  const rows = (pairs: [boolean, number][]) => pairs.map(([wrong, score]) => ({ wrong, score }));

  it('AUC: 1 when every wrong token scores above every right one, 0 when below, 0.5 for all ties', () => {
    assert.strictEqual(auc(rows([[false, 0.1], [false, 0.2], [true, 0.8], [true, 0.9]])), 1);
    assert.strictEqual(auc(rows([[true, 0.1], [true, 0.2], [false, 0.8], [false, 0.9]])), 0);
    assert.strictEqual(auc(rows([[true, 0.5], [false, 0.5], [false, 0.5]])), 0.5);
    // One wrong token below one of two right ones: 1 of 2 pairs ordered right.
    assert.strictEqual(auc(rows([[false, 0.1], [true, 0.5], [false, 0.9]])), 0.5);
  });

  it('errors caught at a false-flag rate: the threshold flags that share of the right tokens', () => {
    const data = rows([
      ...Array.from({ length: 10 }, (_, i): [boolean, number] => [false, i / 10]), // right: 0.0 .. 0.9
      [true, 0.95], [true, 0.85], [true, 0.5], [true, 0.05],
    ]);
    assert.strictEqual(caughtAt(data, 0), 0.25, 'above every right token: only 0.95');
    assert.strictEqual(caughtAt(data, 0.1), 0.5, 'above 0.8 (one right token flagged): 0.95 and 0.85');
    assert.strictEqual(caughtAt(data, 0.5), 0.75, 'above 0.4: 0.95, 0.85 and 0.5');
  });
});
