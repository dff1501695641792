// The model folder's config.json (DESIGN.md, model directory format), read once and checked.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ModelConfig {
  name: string;
  version: string;
  maskTokenId: number;
  eomTokenId: number;
  eotTokenId: number;
  maxSeqLen: number;
  hiddenSize: number;
  vocabSize?: number;
  /** False when an int8 copy of the model must not replace model.onnx on cpu (`use_int8` in config.json). */
  useInt8: boolean;
}

function integer(raw: Record<string, unknown>, file: string, ...keys: string[]): number {
  for (const key of keys) {
    const value = raw[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  }
  throw new Error(`${file}: missing or invalid "${keys[0]}" (a non-negative integer)`);
}

export function readModelConfig(modelDir: string): ModelConfig {
  const file = path.join(modelDir, 'config.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot read the model config ${file}: ${(err as Error).message}`);
  }
  return {
    name: typeof raw.name === 'string' ? raw.name : path.basename(path.resolve(modelDir)),
    version: typeof raw.version === 'string' ? raw.version : String(raw.version ?? '0'),
    maskTokenId: integer(raw, file, 'mask_token_id'),
    eomTokenId: integer(raw, file, 'eom_token_id', 'pad_token_id'),
    eotTokenId: integer(raw, file, 'eot_token_id', 'eos_token_id'),
    maxSeqLen: integer(raw, file, 'max_seq_len', 'context_length'),
    hiddenSize: integer(raw, file, 'hidden_size', 'd_model', 'n_embd'),
    vocabSize: typeof raw.vocab_size === 'number' ? raw.vocab_size : undefined,
    useInt8: raw.use_int8 !== false,
  };
}

/** What names one trained model: a head retrained on it belongs to it and to no other. */
export function modelIdentity(config: Pick<ModelConfig, 'name' | 'version'>): string {
  return `${config.name} ${config.version}`;
}
