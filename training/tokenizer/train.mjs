// Trains the byte-level BPE tokenizer (vocab 4096) on the train split and writes tokenizer.json.
// Usage: node training/tokenizer/train.mjs [--max-bytes N]
//
// The `tokenizers` npm binding (HF's Rust library) trains BPE, but its `train(files)` takes no
// trainer options: vocab size and special tokens cannot be set. BPE training is greedy, so the
// first K merges of a longer run are exactly the merges a run stopped at K would learn. We train
// with the default trainer and keep the first 4096 - 3 - 256 merges, with the special tokens at
// fixed ids 0-2 and all 256 byte symbols after them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tokenizers from 'tokenizers';
import { OUT_DIR } from '../corpus/layout.mjs';

const { Tokenizer, byteLevelAlphabet } = tokenizers;

export const VOCAB_SIZE = 4096;
// Fixed ids (contract with training and the engine). They live in the model vocab only, not in
// `added_tokens`: HF tokenizers split added tokens out of raw text, so a file that merely contains
// the string "<|endoftext|>" (common in ML code) would otherwise inject a control token into the
// prompt. As plain vocab entries no merge can produce, encoding never emits them.
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|mask|>', '<|eom|>'];
export const TOKENIZER_JSON = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tokenizer.json');

// Pre-tokenization for code (GPT-2's pattern splits a newline from the indentation after it, which
// costs two or three tokens per line): a newline with the indentation that follows is one piece;
// words and punctuation runs carry one leading space; digits in runs of at most three (as Llama 3).
// A Split with this regex and then ByteLevel without its own regex is Llama 3's layout, which both
// the Rust and the pure-JS tokenizers implement (parity.mjs and the mocha test check it).
export const SPLIT_REGEX = String.raw`\r?\n[ \t]*| ?\p{L}+| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|[ \t]+|\s+`;
const PRE_TOKENIZER = {
  type: 'Sequence',
  pretokenizers: [
    { type: 'Split', pattern: { Regex: SPLIT_REGEX }, behavior: 'Isolated', invert: false },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
  ],
};

/** The final tokenizer.json object from a trained one: specials, 256 bytes, then merges in order. */
export function buildTokenizerJson(trained, vocabSize = VOCAB_SIZE) {
  // GPT-2's byte-to-unicode table, in byte order, so that id 3 + b is byte b's symbol.
  const byteSymbols = byteLevelAlphabet().sort((a, b) => symbolByte(a) - symbolByte(b));
  if (byteSymbols.length !== 256) throw new Error(`expected 256 byte symbols, got ${byteSymbols.length}`);
  const vocab = new Map(); // a Map, not an object: tokens like "toString" must not hit the prototype
  let next = 0;
  for (const tok of [...SPECIAL_TOKENS, ...byteSymbols]) vocab.set(tok, next++);
  const merges = [];
  for (const pair of trained.model.merges) {
    if (next >= vocabSize) break;
    const [a, b] = Array.isArray(pair) ? pair : pair.split(' ');
    const merged = a + b;
    if (!vocab.has(a) || !vocab.has(b)) throw new Error(`merge ${a} ${b} uses an unknown symbol`);
    if (vocab.has(merged)) throw new Error(`merge ${a} ${b} repeats token ${merged}`);
    vocab.set(merged, next++);
    merges.push([a, b]);
  }
  if (next !== vocabSize) throw new Error(`only ${next} tokens: the training text is too small for vocab ${vocabSize}`);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: PRE_TOKENIZER,
    post_processor: null, // no BOS/EOS: the canvas is built by the engine from ids
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: Object.fromEntries(vocab), merges,
    },
  };
}

// Inverse of GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 + n.
function symbolByte(sym) {
  const cp = sym.codePointAt(0);
  const printable = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  if (cp < 256 && printable(cp)) return cp;
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (printable(b)) continue;
    if (cp === 256 + n) return b;
    n++;
  }
  throw new Error(`not a byte-level symbol: ${sym}`);
}

// The Rust trainer reads its files line by line, so it never sees a newline together with the
// indentation after it and cannot learn those merges. We hand it copies in which each document is
// one line (newlines replaced by a private-use character) and a training-only normalizer that
// turns the character back into "\n" before pre-tokenization.
const NEWLINE_STANDIN = '\uE000';

function writeTrainingText(maxBytes, dir) {
  const files = fs.readFileSync(path.join(OUT_DIR, 'files-train.txt'), 'utf8').split('\n').filter(Boolean);
  const out = path.join(dir, 'train-docs.txt');
  const fd = fs.openSync(out, 'w');
  let total = 0;
  let used = 0;
  for (const f of files) {
    if (total >= maxBytes) break;
    const text = fs.readFileSync(f, 'utf8').replace(/\r\n?/g, '\n');
    fs.writeSync(fd, `${text.replaceAll('\n', NEWLINE_STANDIN)}\n`);
    total += Buffer.byteLength(text);
    used += 1;
  }
  fs.closeSync(fd);
  return { out, used, total, of: files.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--max-bytes');
  const maxBytes = i > 0 ? Number(process.argv[i + 1]) : Infinity;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-bpe-'));
  const { out: textFile, used, total, of } = writeTrainingText(maxBytes, tmp);
  // An empty BPE with our pre-tokenizer, made from JSON (the binding cannot build a Regex split).
  const tok = Tokenizer.fromString(JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: { type: 'Replace', pattern: { String: NEWLINE_STANDIN }, content: '\n' }, pre_tokenizer: PRE_TOKENIZER,
    post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: {}, merges: [] },
  }));
  const t0 = Date.now();
  tok.train([textFile]);
  const raw = path.join(tmp, 'raw.json');
  tok.save(raw);
  const trained = JSON.parse(fs.readFileSync(raw, 'utf8'));
  fs.rmSync(tmp, { recursive: true });
  fs.writeFileSync(TOKENIZER_JSON, `${JSON.stringify(buildTokenizerJson(trained))}\n`);
  console.log(JSON.stringify({ files: used, of, bytes: total, trainSeconds: (Date.now() - t0) / 1000, rawMerges: trained.model.merges.length, vocab: VOCAB_SIZE, out: TOKENIZER_JSON }));
}
