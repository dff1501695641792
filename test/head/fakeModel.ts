// A designed stand-in for the frozen model, for head tests. Its "language" counts through the
// symbols a..m and a line break ("abc...m\nabc..."); the tokenizer maps each character to an id.
// Its predictions count on from the nearest visible symbol to the left, and go one too far when
// the left neighbour itself is masked: so it makes errors exactly when context is missing, like a
// real model. Its hidden states say whether a token breaks the count with the nearest visible
// symbols: a learnable signal of "this token is wrong" (plus noise dimensions the head must ignore).
import { ForwardResult, FrozenModel } from '../../src/engine/types';

export const MASK = 1;
export const EOM = 2;
export const FIRST = 3;
export const SYMBOLS = 14; // a..m and '\n'
export const VOCAB = FIRST + SYMBOLS;
export const HIDDEN = 8;
const ALPHABET = 'abcdefghijklm\n';

export const charTokenizer = {
  encode: (text: string): number[] => Array.from(text, (ch) => FIRST + Math.max(0, ALPHABET.indexOf(ch))),
  decode: (ids: number[]): string => ids.map((id) => (id >= FIRST ? ALPHABET[id - FIRST] : '')).join(''),
};

const isSymbol = (id: number): boolean => id >= FIRST && id < VOCAB;
const after = (id: number, k: number): number => FIRST + ((id - FIRST + k) % SYMBOLS);

/** A text in the counting language: `length` characters from a random start symbol. */
export function countingText(length: number, start: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[(start + i) % SYMBOLS];
  return s;
}

export class CountingModel implements FrozenModel {
  calls: { batch: number; seq: number }[] = [];

  async forward(ids: Int32Array, batch: number, seq: number): Promise<ForwardResult> {
    this.calls.push({ batch, seq });
    const logits = new Float32Array(batch * seq * VOCAB);
    const hidden = new Float32Array(batch * seq * HIDDEN);
    for (let b = 0; b < batch; b++) {
      const row = ids.subarray(b * seq, (b + 1) * seq);
      for (let i = 0; i < seq; i++) {
        const id = row[i];
        const o = (b * seq + i) * HIDDEN;
        // Prediction: count on from the nearest visible symbol on the left; one too far if it is not adjacent.
        let k = 1;
        while (i - k >= 0 && !isSymbol(row[i - k])) k++;
        const predicted = i - k >= 0 ? after(row[i - k], k + (k > 1 ? 1 : 0)) : FIRST;
        logits[(b * seq + i) * VOCAB + predicted] = 5;
        logits[(b * seq + i) * VOCAB + after(predicted, 1)] = 2;
        // Hidden: breaks the count with the nearest visible symbol on the left / right (masks are
        // skipped, an eom stops the search), is a mask, is eom, then noise.
        if (isSymbol(id)) {
          let l = 1;
          while (i - l >= 0 && row[i - l] === MASK) l++;
          if (i - l >= 0 && isSymbol(row[i - l]) && id !== after(row[i - l], l)) hidden[o] = 1;
          let r = 1;
          while (i + r < seq && row[i + r] === MASK) r++;
          if (i + r < seq && isSymbol(row[i + r]) && row[i + r] !== after(id, r)) hidden[o + 1] = 1;
        }
        hidden[o + 2] = id === MASK ? 1 : 0;
        hidden[o + 3] = id === EOM ? 1 : 0;
        for (let j = 4; j < HIDDEN; j++) hidden[o + j] = Math.sin(id * 12.9898 + i * 78.233 + j * 37.719);
      }
    }
    return { logits, hidden, batch, seq, vocab: VOCAB, hiddenSize: HIDDEN };
  }
}
