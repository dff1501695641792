import * as assert from 'assert';
import { interpolate } from '../../bench/sweep';

describe('sweep report: a baseline at the same number of forward passes (bench/sweep.ts)', () => {
  // confidence rows as [forward passes, edit similarity], in the sweep's order (k = 1, 2, 4)
  const rows: [number, number][] = [
    [26, 0.25],
    [14, 0.24],
    [10, 0.2],
  ];

  it('is linear between the two rows around the point, whatever their order', () => {
    assert.ok(Math.abs(interpolate(rows, 12)! - 0.22) < 1e-12);
    assert.ok(Math.abs(interpolate(rows, 20)! - 0.245) < 1e-12);
  });

  it('is the row itself at a row, and absent outside the rows', () => {
    assert.equal(interpolate(rows, 14), 0.24);
    assert.equal(interpolate(rows, 9.9), undefined);
    assert.equal(interpolate(rows, 27), undefined);
    assert.equal(interpolate([[5, 0.3]], 5), undefined);
  });
});
