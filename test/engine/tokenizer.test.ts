import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BpeTokenizer, encodeHead, encodeTail, lineBreakIds, replaceLoneSurrogates } from '../../src/engine/tokenizer';
import { byteTokenId, byteTokenizerJson } from './fixtures/byteTokenizer';

function byteTokenizer(): BpeTokenizer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-tok-'));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(byteTokenizerJson()));
  return BpeTokenizer.load(dir);
}

describe('tokenizer', () => {
  const tok = byteTokenizer();

  it('encodes bytes without special tokens and decodes back', () => {
    assert.deepEqual(tok.encode('ab'), [byteTokenId(0x61), byteTokenId(0x62)]);
    for (const text of ['const x = 1;\n', 'a\u0000b', '漢字 🦀 \u{10FFFF}', '\t\r\n  ']) assert.equal(tok.decode(tok.encode(text)), text);
  });

  it('empty text and empty ids are fine', () => {
    assert.deepEqual(tok.encode(''), []);
    assert.equal(tok.decode([]), '');
  });

  it('lone surrogates become U+FFFD (they have no UTF-8 form), pairs stay', () => {
    assert.equal(replaceLoneSurrogates('a\uD800b\uDC00c\uD83D\uDE00'), 'a\uFFFDb\uFFFDc\uD83D\uDE00');
    assert.equal(tok.decode(tok.encode('x\uD800')), 'x\uFFFD');
  });

  it('the literal text of a special token in user code stays text', () => {
    const ids = tok.encode('<|mask|>');
    assert.equal(ids.length, '<|mask|>'.length);
    assert.ok(!ids.includes(1));
  });

  it('encodeTail / encodeHead keep the end / start of a huge text and tokenize only a slice', () => {
    const big = 'abcdefgh'.repeat(700000);
    const t0 = Date.now();
    const tail = encodeTail(tok, big + 'XYZ', 10);
    const head = encodeHead(tok, 'XYZ' + big, 10);
    assert.ok(Date.now() - t0 < 500);
    assert.equal(tok.decode(tail), 'bcdefghXYZ');
    assert.equal(tok.decode(head), 'XYZabcdefg');
    assert.deepEqual(encodeTail(tok, 'short', 100), tok.encode('short'));
    assert.deepEqual(encodeTail(tok, 'short', 0), []);
  });

  it('a missing tokenizer.json names the file', () => {
    assert.throws(() => BpeTokenizer.load('/nonexistent/dir'), /tokenizer \/nonexistent\/dir\/tokenizer\.json/);
  });

  const trained = path.join(__dirname, '../../../training/tokenizer/tokenizer.json');
  it('the trained tokenizer (when present) round-trips code and keeps the fixed special ids', function () {
    if (!fs.existsSync(trained)) this.skip();
    const real = BpeTokenizer.load(path.dirname(trained));
    const text = 'export function add(a: number, b: number): number {\n  return a + b; // 漢字\n}\n';
    const ids = real.encode(text);
    assert.ok(ids.length < text.length);
    assert.equal(real.decode(ids), text);
    assert.equal(real.decode([0, 1, 2]), '<|endoftext|><|mask|><|eom|>');
  });

  it('knows its size and which tokens hold a line break (what ends a one-line completion)', function () {
    if (!fs.existsSync(trained)) this.skip();
    const real = BpeTokenizer.load(path.dirname(trained));
    assert.equal(real.size, 4096);
    const breaks = lineBreakIds(real);
    for (const text of ['\n', '\n  ', '\n\t\t']) {
      const ids = real.encode(text);
      assert.equal(ids.length, 1, JSON.stringify(text));
      assert.ok(breaks.includes(ids[0]), JSON.stringify(text));
    }
    for (const id of real.encode('return a + b;')) assert.ok(!breaks.includes(id));
    assert.ok(![0, 1, 2].some((id) => breaks.includes(id)));
  });
});
