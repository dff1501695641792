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

/**
 * The .gitignore files of one workspace folder: as in git, each one's rules apply to the paths
 * below its own folder (a nested `packages/a/.gitignore` says nothing about `packages/b`).
 */
export class IgnoreRules {
  private readonly rules: { dir: string; matcher: Ignore }[] = [{ dir: '', matcher: ignore().add(ALWAYS_IGNORED) }];

  /** `dir`: the .gitignore's folder relative to the workspace folder, forward slashes ('' for the root). */
  add(dir: string, gitignoreText: string): this {
    this.rules.push({ dir: dir.replace(/\/+$/, ''), matcher: ignore().add(gitignoreText) });
    return this;
  }

  /** `relativePath` uses forward slashes, relative to the workspace folder. */
  ignores(relativePath: string): boolean {
    if (relativePath.length === 0 || relativePath.startsWith('..')) return false;
    return this.rules.some(({ dir, matcher }) => {
      const below = dir === '' ? relativePath : relativePath.startsWith(`${dir}/`) ? relativePath.slice(dir.length + 1) : undefined;
      return below !== undefined && matcher.ignores(below);
    });
  }
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
