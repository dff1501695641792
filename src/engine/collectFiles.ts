// Walks a workspace folder on disk for `backplay train-head`. Which files to keep is decided by
// the same pure rules the editor's retrain command uses (src/providers/workspaceFiles.ts: the
// .gitignore, dependencies and builds, binary, minified and huge files, the caps), so the CLI and
// the editor retrain on the same files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LIMITS, FileCollector, IgnoreRules, type CollectLimits, type CollectSummary } from '../providers/workspaceFiles';

const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts']);

export function collectSourceFiles(
  root: string,
  limits: CollectLimits = DEFAULT_LIMITS,
): { files: { path: string; text: string }[]; summary: CollectSummary } {
  const base = path.resolve(root);
  const rules = new IgnoreRules();
  const collector = new FileCollector(limits);
  const stack = [base];
  while (stack.length > 0 && !collector.full) {
    const dir = stack.pop()!;
    // Folders are entered top-down: a folder's .gitignore joins the rules before its files are seen.
    const gitignore = path.join(dir, '.gitignore');
    if (fs.existsSync(gitignore)) rules.add(path.relative(base, dir).split(path.sep).join('/'), fs.readFileSync(gitignore, 'utf8'));
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // an unreadable folder is skipped, never fails the whole retrain
    }
    entries.sort((a, b) => b.name.localeCompare(a.name)); // popped in name order
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(base, full).split(path.sep).join('/');
      if (entry.isDirectory()) {
        if (rules.ignores(`${relative}/`)) collector.skipIgnored();
        else stack.push(full);
      } else if (entry.isFile() && SOURCE_EXTENSIONS.has(path.extname(entry.name))) {
        if (rules.ignores(relative)) {
          collector.skipIgnored();
          continue;
        }
        let size: number;
        try {
          size = fs.statSync(full).size;
        } catch {
          continue;
        }
        if (size === 0 || collector.tooLarge(size)) continue;
        collector.offer(full, fs.readFileSync(full));
        if (collector.full) break;
      }
    }
  }
  return { files: collector.files, summary: collector.summary };
}
