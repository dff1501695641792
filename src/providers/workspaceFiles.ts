// Which workspace files the head is retrained on. Pure decisions (no vscode import): the command
// finds and reads the files, this module says which to keep. .gitignore rules go through the
// `ignore` package (the matcher eslint uses), not a hand-written glob parser.
import ignore from 'ignore';

type Ignore = ReturnType<typeof ignore>;

/** Source files the model was trained on (JS/TS); other languages would teach the head noise. */
export const SOURCE_GLOB = '**/*.{ts,tsx,js,jsx,mjs,cjs,mts,cts}';

export interface CollectLimits {
  /** Larger files are generated or bundled far more often than written by hand. */
  maxFileBytes: number;
  /** Total text handed to the trainer; enough for a 20,000-line workspace. */
  maxTotalBytes: number;
  maxFiles: number;
}

export const DEFAULT_LIMITS: CollectLimits = { maxFileBytes: 200_000, maxTotalBytes: 3_000_000, maxFiles: 2_000 };

/** Folders that hold other people's or generated code, whatever the .gitignore says. */
const ALWAYS_IGNORED = ['node_modules/', '.git/', 'dist/', 'out/', 'build/', 'coverage/', '*.min.js', '*.bundle.js', '*.d.ts'];

export function ignoreMatcher(gitignoreTexts: string[]): Ignore {
  const matcher = ignore().add(ALWAYS_IGNORED);
  // One .add per file: a string is split into rules on newlines, an array's strings are not.
  for (const text of gitignoreTexts) matcher.add(text);
  return matcher;
}

/** `relativePath` uses forward slashes, relative to the folder whose .gitignore was read. */
export function isIgnored(matcher: Ignore, relativePath: string): boolean {
  return relativePath.length > 0 && !relativePath.startsWith('..') && matcher.ignores(relativePath);
}

/** A NUL byte in the first 8 KB: what git itself takes as binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

/** Minified or generated: very long lines on average, or one huge line. */
export function looksMinified(text: string): boolean {
  const lines = text.split('\n');
  const longest = lines.reduce((m, l) => Math.max(m, l.length), 0);
  return text.length / lines.length > 200 || longest > 2_000;
}

export interface CollectSummary {
  kept: number;
  bytes: number;
  skipped: { ignored: number; binary: number; minified: number; huge: number; overCap: number };
}

/** Accumulates files under the caps; `offer` says whether the file was kept. */
export class FileCollector {
  readonly files: { path: string; text: string }[] = [];
  readonly summary: CollectSummary = { kept: 0, bytes: 0, skipped: { ignored: 0, binary: 0, minified: 0, huge: 0, overCap: 0 } };

  constructor(private readonly limits: CollectLimits = DEFAULT_LIMITS) {}

  get full(): boolean {
    return this.files.length >= this.limits.maxFiles || this.summary.bytes >= this.limits.maxTotalBytes;
  }

  /** Cheap check before reading a file: its size. */
  tooLarge(size: number): boolean {
    if (size <= this.limits.maxFileBytes) return false;
    this.summary.skipped.huge++;
    return true;
  }

  skipIgnored(): void {
    this.summary.skipped.ignored++;
  }

  offer(path: string, bytes: Uint8Array): boolean {
    const reason = this.rejection(bytes);
    if (reason) {
      this.summary.skipped[reason]++;
      return false;
    }
    this.files.push({ path, text: new TextDecoder('utf-8').decode(bytes) });
    this.summary.kept++;
    this.summary.bytes += bytes.length;
    return true;
  }

  private rejection(bytes: Uint8Array): keyof CollectSummary['skipped'] | undefined {
    if (bytes.length > this.limits.maxFileBytes) return 'huge';
    if (looksBinary(bytes)) return 'binary';
    if (looksMinified(new TextDecoder('utf-8').decode(bytes))) return 'minified';
    if (this.full || this.summary.bytes + bytes.length > this.limits.maxTotalBytes) return 'overCap';
    return undefined;
  }
}
