// The model folder's tokenizer.json through @huggingface/tokenizers (pure JS, the same file the
// Python side trains and uses). User text is encoded WITHOUT special-token matching: source code
// that contains the literal text "<|mask|>" must stay text, not become the mask token.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** Ids run from 0 to size - 1. */
  readonly size: number;
}

/** Ids of the tokens whose text holds a line break (byte-level BPE merges "\n" with indentation). */
export function lineBreakIds(tokenizer: TextTokenizer): number[] {
  const ids: number[] = [];
  for (let id = 0; id < tokenizer.size; id++) if (tokenizer.decode([id]).includes('\n')) ids.push(id);
  return ids;
}

/** Lone UTF-16 surrogates have no UTF-8 encoding; replace them with U+FFFD ourselves so encoding never depends on how a library treats them. */
export function replaceLoneSurrogates(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export class BpeTokenizer implements TextTokenizer {
  private constructor(
    private readonly encoder: Tokenizer,
    private readonly decoder: Tokenizer,
    readonly size: number,
  ) {}

  static load(modelDir: string): BpeTokenizer {
    const file = path.join(modelDir, 'tokenizer.json');
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`cannot read the tokenizer ${file}: ${(err as Error).message}`);
    }
    const model = json.model as { vocab?: Record<string, number> } | undefined;
    const added = (json.added_tokens ?? []) as { id: number }[];
    const size = Math.max(-1, ...Object.values(model?.vocab ?? {}), ...added.map((t) => t.id)) + 1;
    return new BpeTokenizer(new Tokenizer({ ...json, added_tokens: [] }, {}), new Tokenizer(json, {}), size);
  }

  encode(text: string): number[] {
    if (text.length === 0) return [];
    return this.encoder.encode(replaceLoneSurrogates(text), { add_special_tokens: false }).ids;
  }

  decode(ids: number[]): string {
    if (ids.length === 0) return ''; // the library throws on an empty list
    return this.decoder.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }
}

/**
 * First guess of characters per token when slicing: the trained 4k tokenizer averages about 3
 * on this repo's TypeScript (1,324 tokens for 4,000 characters); a short slice grows by doubling.
 */
const CHARS_PER_TOKEN_GUESS = 4;

/**
 * Encodes the end of a possibly huge text: only the last part is tokenized (a 5 MB prefix must
 * not cost seconds), growing the slice until it yields `keep` tokens or covers the whole text.
 * The first token of a cut slice may be a fragment, so it is dropped.
 */
export function encodeTail(tokenizer: TextTokenizer, text: string, keep: number): number[] {
  let chars = Math.max(64, keep * CHARS_PER_TOKEN_GUESS);
  for (;;) {
    if (keep <= 0) return [];
    if (chars >= text.length) return tokenizer.encode(text).slice(-keep);
    const ids = tokenizer.encode(text.slice(text.length - chars)).slice(1);
    if (ids.length >= keep) return ids.slice(ids.length - keep);
    chars *= 2;
  }
}

/** Encodes the start of a possibly huge text (the suffix side of encodeTail). */
export function encodeHead(tokenizer: TextTokenizer, text: string, keep: number): number[] {
  let chars = Math.max(64, keep * CHARS_PER_TOKEN_GUESS);
  for (;;) {
    if (keep <= 0) return [];
    if (chars >= text.length) return tokenizer.encode(text).slice(0, keep);
    const ids = tokenizer.encode(text.slice(0, chars)).slice(0, -1);
    if (ids.length >= keep) return ids.slice(0, keep);
    chars *= 2;
  }
}
