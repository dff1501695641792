// Collects a workspace's source files for retraining the head: code the user writes, not vendored,
// generated, minified or binary files, which would teach the head the wrong code.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CollectOptions {
  extensions?: string[];
  maxFileBytes?: number;
  maxFiles?: number;
  maxTotalBytes?: number;
}

const DEFAULT_EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'out', 'build', 'coverage', 'vendor', 'bower_components']);

/** Minified or generated: very long lines. */
export function looksMinified(text: string): boolean {
  const lines = text.split('\n');
  const longest = lines.reduce((m, l) => Math.max(m, l.length), 0);
  return longest > 1000 || text.length / lines.length > 200;
}

export function looksBinary(text: string): boolean {
  return text.slice(0, 8192).includes('\u0000');
}

export function collectSourceFiles(root: string, options: CollectOptions = {}): { path: string; text: string }[] {
  const extensions = new Set(options.extensions ?? DEFAULT_EXTENSIONS);
  const maxFileBytes = options.maxFileBytes ?? 256 * 1024;
  const maxFiles = options.maxFiles ?? 5000;
  const maxTotalBytes = options.maxTotalBytes ?? 32 * 1024 * 1024;
  const files: { path: string; text: string }[] = [];
  let total = 0;
  const stack = [path.resolve(root)];
  while (stack.length > 0 && files.length < maxFiles) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable folder: skip, never fail the whole retrain
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) stack.push(full);
        continue;
      }
      if (!entry.isFile() || !extensions.has(path.extname(entry.name)) || /\.min\.[cm]?js$|\.d\.ts$/.test(entry.name)) continue;
      let size: number;
      try {
        size = fs.statSync(full).size;
      } catch {
        continue;
      }
      if (size === 0 || size > maxFileBytes || total + size > maxTotalBytes) continue;
      const text = fs.readFileSync(full, 'utf8');
      if (looksBinary(text) || looksMinified(text)) continue;
      files.push({ path: full, text });
      total += size;
      if (files.length >= maxFiles) break;
    }
  }
  return files;
}
