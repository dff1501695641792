// Compares the training side's encoder (HF Rust `tokenizers`) with the engine's (pure-JS
// `@huggingface/tokenizers`) on the held-out split, and checks decode(encode(x)) == x on both.
// Usage: node training/tokenizer/parity.mjs [FILE_LIST]   (default: training/data/corpus/files-val.txt)
import fs from 'node:fs';
import path from 'node:path';
import rust from 'tokenizers';
import { Tokenizer as JsTokenizer } from '@huggingface/tokenizers';
import { OUT_DIR } from '../corpus/layout.mjs';
import { TOKENIZER_JSON } from './train.mjs';

const listFile = process.argv[2] ?? path.join(OUT_DIR, 'files-val.txt');
const files = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
const rustTok = rust.Tokenizer.fromFile(TOKENIZER_JSON);
const jsTok = new JsTokenizer(JSON.parse(fs.readFileSync(TOKENIZER_JSON, 'utf8')), {});

let tokens = 0;
let bytes = 0;
let mismatchedFiles = 0;
let roundTripFailures = 0;
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  const rustIds = (await rustTok.encode(text, null, { addSpecialTokens: false })).getIds();
  const jsIds = jsTok.encode(text, { add_special_tokens: false }).ids;
  tokens += rustIds.length;
  bytes += Buffer.byteLength(text);
  if (rustIds.length !== jsIds.length || rustIds.some((id, i) => id !== jsIds[i])) {
    mismatchedFiles += 1;
    if (mismatchedFiles <= 3) console.error(`mismatch: ${f}`);
  }
  const back = jsTok.decode(jsIds, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  if (back !== text || (await rustTok.decode(rustIds, false)) !== text) roundTripFailures += 1;
}
console.log(JSON.stringify({ files: files.length, bytes, tokens, bytesPerToken: +(bytes / tokens).toFixed(3), mismatchedFiles, roundTripFailures }));
