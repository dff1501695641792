// A retrained head's note of the model it learned from (`head-1.onnx` -> `head-1.json`). A head
// reads one model's hidden states; another model of the same size would run it without complaint,
// so the engine refuses a head whose note names another model. No onnxruntime here: the editor
// side deletes notes with their heads.
import * as fs from 'node:fs';

export interface HeadNote {
  /** `name version` of the model (modelIdentity). */
  model: string;
}

export function headNotePath(headFile: string): string {
  return headFile.replace(/\.onnx$/, '') + '.json';
}

export function writeHeadNote(headFile: string, note: HeadNote): void {
  fs.writeFileSync(headNotePath(headFile), JSON.stringify(note) + '\n');
}

/** The note beside a head file; undefined when there is none (a head from before notes, or copied by hand) or it is unreadable. */
export function readHeadNote(headFile: string): Partial<HeadNote> | undefined {
  try {
    return JSON.parse(fs.readFileSync(headNotePath(headFile), 'utf8')) as Partial<HeadNote>;
  } catch {
    return undefined;
  }
}
