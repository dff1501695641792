import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

// The manifest is the extension's contract with VS Code: keep its essentials from drifting.
describe('extension manifest', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

  it('points main at the bundled extension and the CLI at the bundled cli', () => {
    assert.strictEqual(manifest.main, './dist/extension.js');
    assert.strictEqual(manifest.bin.backplay, './dist/cli.js');
  });

  it('keeps onnxruntime-node a runtime dependency (it is external to the bundle)', () => {
    assert.ok(manifest.dependencies['onnxruntime-node']);
  });
});
