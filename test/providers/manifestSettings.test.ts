import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readSettings } from '../../src/providers/settings';

// The settings the code reads and the ones package.json declares must be the same set, with the
// same defaults and bounds; a workspace must not be able to choose the model folder.
describe('settings in the manifest', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  const declared: Record<string, { default: unknown; minimum?: number; maximum?: number; scope?: string; description?: string; markdownDescription?: string }> =
    manifest.contributes.configuration.properties;

  function keysRead(): Map<string, unknown> {
    const read = new Map<string, unknown>();
    readSettings((key, fallback) => {
      read.set(`backplay.${key}`, fallback);
      return fallback;
    });
    return read;
  }

  it('declares exactly the settings the code reads, with the same defaults', () => {
    const read = keysRead();
    assert.deepStrictEqual([...read.keys()].sort(), Object.keys(declared).sort());
    for (const [key, fallback] of read) assert.deepStrictEqual(declared[key].default, fallback, key);
  });

  it('gives every setting a description and every number bounds that the code clamps to', () => {
    for (const [key, spec] of Object.entries(declared)) {
      assert.ok(spec.description || spec.markdownDescription, `${key} has a description`);
      if (typeof spec.default === 'number') {
        assert.ok(spec.minimum !== undefined && spec.maximum !== undefined, `${key} has bounds`);
        const short = key.replace(/^backplay\./, '');
        const over = readSettings((k, f) => (k === short ? ((spec.maximum! + 1000) as never) : f));
        const value = short.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown>)[part], over);
        assert.strictEqual(value, spec.maximum, `${key} is clamped to its maximum`);
      }
    }
  });

  it('keeps the model folder to machine scope', () => {
    assert.strictEqual(declared['backplay.modelPath'].scope, 'machine');
  });

  it('registers every command it contributes (palette titles under the BackPlay category)', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'extension.ts'), 'utf8') +
      fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'providers', 'menu.ts'), 'utf8') +
      fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'providers', 'statusBar.ts'), 'utf8');
    for (const c of manifest.contributes.commands as { command: string; category: string }[]) {
      assert.strictEqual(c.category, 'BackPlay');
      assert.ok(source.includes(`'${c.command}'`), `${c.command} is registered`);
    }
  });
});
