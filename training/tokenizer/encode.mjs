// Encodes the corpus splits into the trainer's format:
//   training/data/tokens/{train,val}.bin  flat uint16 little-endian ids, each document followed by
//                                          <|endoftext|> (id 0); train documents in a seeded shuffled order
//   training/data/tokens/meta.json        vocab size, special ids, token counts
// then writes training/data/tokens/READY. Usage: node training/tokenizer/encode.mjs
import fs from 'node:fs';
import path from 'node:path';
import tokenizers from 'tokenizers';
import { DATA_DIR, OUT_DIR } from '../corpus/layout.mjs';
import { rng, shuffled } from '../corpus/random.mjs';
import { SPECIAL_TOKENS, TOKENIZER_JSON, VOCAB_SIZE } from './train.mjs';

const TOKENS_DIR = path.join(DATA_DIR, 'tokens');
const [EOT, MASK, EOM] = [0, 1, 2];

async function encodeSplit(tok, split) {
  let files = fs.readFileSync(path.join(OUT_DIR, `files-${split}.txt`), 'utf8').split('\n').filter(Boolean);
  if (split === 'train') files = shuffled(files, rng(1234));
  const chunks = [];
  let total = 0;
  for (let i = 0; i < files.length; i += 256) {
    // Line endings are normalized to \n: the same file should not be two different token streams.
    const texts = files.slice(i, i + 256).map((f) => fs.readFileSync(f, 'utf8').replace(/\r\n?/g, '\n'));
    const encodings = await tok.encodeBatch(texts, { addSpecialTokens: false });
    for (const enc of encodings) {
      const ids = enc.getIds();
      const doc = new Uint16Array(ids.length + 1);
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        if (id < 3 || id >= VOCAB_SIZE) throw new Error(`unexpected id ${id} inside a document`);
        doc[k] = id;
      }
      doc[ids.length] = EOT;
      chunks.push(doc);
      total += doc.length;
    }
  }
  const out = new Uint16Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  // Uint16Array is host-endian; every platform Node runs on here is little-endian, and we check it.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian host: write LE explicitly');
  // Write then rename: a training run that has the old file mapped keeps reading the old file.
  const dest = path.join(TOKENS_DIR, `${split}.bin`);
  fs.writeFileSync(`${dest}.tmp`, Buffer.from(out.buffer));
  fs.renameSync(`${dest}.tmp`, dest);
  return { documents: files.length, tokens: total };
}

fs.mkdirSync(TOKENS_DIR, { recursive: true });
fs.rmSync(path.join(TOKENS_DIR, 'READY'), { force: true });
const tok = tokenizers.Tokenizer.fromFile(TOKENIZER_JSON);
for (const [i, t] of SPECIAL_TOKENS.entries()) {
  if (tok.tokenToId(t) !== i) throw new Error(`${t} should have id ${i}, has ${tok.tokenToId(t)}`);
}
const t0 = Date.now();
const train = await encodeSplit(tok, 'train');
const val = await encodeSplit(tok, 'val');
const meta = {
  vocab_size: VOCAB_SIZE, eot_id: EOT, mask_id: MASK, eom_id: EOM,
  train_tokens: train.tokens, val_tokens: val.tokens, train_documents: train.documents, val_documents: val.documents,
  dtype: 'uint16', byte_order: 'little', tokenizer_sha256: (await import('node:crypto')).createHash('sha256').update(fs.readFileSync(TOKENIZER_JSON)).digest('hex'),
};
fs.writeFileSync(path.join(TOKENS_DIR, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
fs.writeFileSync(path.join(TOKENS_DIR, 'READY'), '');
console.log(JSON.stringify({ ...meta, seconds: (Date.now() - t0) / 1000 }));
