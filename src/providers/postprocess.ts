// Post-processing of a raw engine completion into what the editor inserts at the cursor.
// Pure functions only (no vscode import): the unit tests run them on fixtures that mark the cursor.
import { cursorMidLine } from '../engine/defaults';

export interface IndentStyle {
  insertSpaces: boolean;
  tabSize: number;
}

/** What the post-processing needs to know about the cursor's surroundings. */
export interface CursorContext {
  /** The cursor's line, before the cursor. */
  linePrefix: string;
  /** The cursor's line, after the cursor. */
  lineSuffix: string;
  /** A few document lines after the cursor's line. */
  nextLines: string[];
  indent: IndentStyle;
}

/** The brackets and quotes an editor closes by itself, as a run at the start of the text after the cursor. */
export const AUTO_CLOSED_RUN = /^[)\]}"'`]+/;
/** Characters an editor closes by itself, and punctuation that typically follows them on a line. */
const CLOSING_RUN = /^[\s)\]}>"'`;,]+$/;
/** Lines this short ("}", ");") repeat everywhere: they only count as a repeat inside a longer match. */
const MIN_DISTINCT_LINE = 8;

/** Non-whitespace after the cursor: the completion must stay on this line. */
export function isMidLine(ctx: Pick<CursorContext, 'lineSuffix'>): boolean {
  return cursorMidLine(ctx.lineSuffix); // the engine's rule, so the CLI and the editor agree
}

/** The cursor sits between two characters of one identifier or number (`fo|o`). */
export function insideWord(ctx: Pick<CursorContext, 'linePrefix' | 'lineSuffix'>): boolean {
  return /[\w$]$/.test(ctx.linePrefix) && /^[\w$]/.test(ctx.lineSuffix);
}

export function buildCursorContext(text: string, offset: number, indent: IndentStyle, nextLineCount = 8): CursorContext {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  const after = lineEnd < text.length ? text.slice(lineEnd + 1) : '';
  const nextLines = after.length ? after.split('\n').slice(0, nextLineCount).map((l) => l.replace(/\r$/, '')) : [];
  return {
    linePrefix: text.slice(lineStart, offset),
    lineSuffix: text.slice(offset, lineEnd).replace(/\r$/, ''),
    nextLines,
    indent,
  };
}

/** The whole pipeline, in order. Returns '' when nothing worth showing is left. */
export function postProcess(raw: string, ctx: CursorContext): string {
  const singleLine = isMidLine(ctx);
  const lf = raw.replace(/\r\n/g, '\n');
  // Before any trimming: keepSpaceBeforeWord looks at what the model wrote after the kept text.
  const untrimmed = singleLine ? firstLine(lf) : lf;
  let text = trimTrailingWhitespace(untrimmed);
  if (!/\S/.test(ctx.linePrefix + ctx.lineSuffix)) text = text.replace(/^[ \t]*(\r?\n)+/, '');
  text = stripFirstLineIndentIfTyped(text, ctx.linePrefix);
  if (singleLine) text = stripLineSuffixOverlap(text, ctx.lineSuffix, ctx.linePrefix);
  else text = stripRepeatedNextLines(text, ctx.nextLines, ctx.indent.tabSize);
  text = matchIndentStyle(text, ctx.indent);
  if (singleLine) text = keepSpaceBeforeWord(text, stripFirstLineIndentIfTyped(untrimmed, ctx.linePrefix), ctx.lineSuffix);
  return /\S/.test(text) ? text : '';
}

/**
 * Before a word that follows the cursor (`let a = |b`), the spaces the model wrote at the end of the
 * completion separate the two (`2 * b`): trimming them would glue the completion to the word.
 */
export function keepSpaceBeforeWord(text: string, rawLine: string, lineSuffix: string): string {
  if (!/\S/.test(text) || !/^[\w$]/.test(lineSuffix) || !rawLine.startsWith(text)) return text;
  return text + /^[ \t]*/.exec(rawLine.slice(text.length))![0];
}

/** Everything before the last line break (the text itself when it has one line). */
export function dropLastLine(text: string): string {
  const nl = text.lastIndexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

export function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

/** Trailing spaces on every line and trailing blank lines go: they would only add noise to Tab. */
export function trimTrailingWhitespace(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

/**
 * On a line holding only indentation, the user already typed the indent; the model continues after
 * it, so leading whitespace on the completion's first line would indent twice.
 */
export function stripFirstLineIndentIfTyped(text: string, linePrefix: string): string {
  if (linePrefix.length === 0 || /\S/.test(linePrefix)) return text;
  return text.replace(/^[ \t]+/, '');
}

/**
 * Never repeat what already follows the cursor on its line: the whole rest of the line, or the
 * run of auto-closed brackets/quotes (and trailing `;` `,`) at its start. Unless cutting it would
 * unbalance the line's brackets: in `foo(|)` a completion `bar()` closes its own call, not foo's.
 */
export function stripLineSuffixOverlap(text: string, lineSuffix: string, linePrefix = ''): string {
  const rest = lineSuffix.trimEnd();
  if (!rest) return text;
  const keepsBalance = (cut: string) => imbalance(linePrefix + cut + lineSuffix) <= imbalance(linePrefix + text + lineSuffix);
  if (text.endsWith(rest)) {
    const cut = text.slice(0, text.length - rest.length).trimEnd();
    if (keepsBalance(cut)) return cut;
  }
  for (let k = rest.length; k > 0; k--) {
    const head = rest.slice(0, k);
    if (CLOSING_RUN.test(head) && text.trimEnd().endsWith(head.trimEnd())) {
      const trimmed = text.trimEnd();
      const cut = trimmed.slice(0, trimmed.length - head.trimEnd().length);
      if (keepsBalance(cut)) return cut;
    }
  }
  return text;
}

/**
 * How many characters after the cursor a single-line suggestion should replace rather than insert
 * before: the auto-closed brackets/quotes there when the suggestion writes them itself, in order,
 * further on (`foo(|)` with `a, b);` replaces the `)`); VS Code then shows the suggestion around
 * them as ghost text. 0 when inserting is right.
 */
export function replacedSuffixLength(text: string, linePrefix: string, lineSuffix: string): number {
  const run = AUTO_CLOSED_RUN.exec(lineSuffix)?.[0] ?? '';
  if (text.includes('\n')) return 0;
  const inserted = imbalance(linePrefix + text + lineSuffix);
  for (let k = run.length; k > 0; k--) {
    if (isSubsequence(run.slice(0, k), text) && imbalance(linePrefix + text + lineSuffix.slice(k)) < inserted) return k;
  }
  return 0;
}

/** How far a line's brackets and quotes are from balanced: unmatched (), [], {}, and odd quote counts. */
export function imbalance(line: string): number {
  const count = (c: string) => line.split(c).length - 1;
  let total = 0;
  for (const [open, close] of ['()', '[]', '{}']) total += Math.abs(count(open) - count(close));
  for (const quote of ['"', "'", '`']) total += count(quote) % 2;
  return total;
}

/**
 * Never repeat the lines after the cursor: cut the completion where its remaining lines are the
 * document's next lines again (blank lines ignored; indentation compared by width, so a `}` that
 * closes an inner block is not taken for the outer one). A short line such as `}` only counts
 * when everything after it matches too.
 */
export function stripRepeatedNextLines(text: string, nextLines: string[], tabSize = 4): string {
  const normalize = (lines: string[]) =>
    lines.filter((l) => l.trim().length > 0).map((l) => ' '.repeat(indentWidth(l, tabSize)) + l.trim());
  const lines = text.split('\n');
  const upcoming = normalize(nextLines);
  if (lines.length < 2 || upcoming.length === 0) return text;
  for (let i = 1; i < lines.length; i++) {
    const tail = normalize(lines.slice(i));
    if (tail.length === 0) break;
    const repeatsAll = tail.length <= upcoming.length && tail.every((l, j) => l === upcoming[j]);
    const repeatsDistinctLine = tail[0] === upcoming[0] && tail[0].trim().length >= MIN_DISTINCT_LINE;
    if (repeatsAll || repeatsDistinctLine) return trimTrailingWhitespace(lines.slice(0, i).join('\n'));
  }
  return text;
}

/** Columns taken by a line's leading whitespace, tabs advancing to the next tab stop. */
export function indentWidth(line: string, tabSize: number): number {
  const unit = Math.max(1, tabSize);
  const ws = /^[ \t]*/.exec(line)![0];
  return [...ws].reduce((w, c) => (c === '\t' ? w + unit - (w % unit) : w + 1), 0);
}

/** Indentation of the lines after the first follows the editor's tabs/spaces setting. */
export function matchIndentStyle(text: string, indent: IndentStyle): string {
  const unit = Math.max(1, indent.tabSize);
  return text
    .split('\n')
    .map((line, i) => {
      if (i === 0) return line;
      const ws = /^[ \t]*/.exec(line)![0];
      const width = indentWidth(line, unit);
      const lead = indent.insertSpaces ? ' '.repeat(width) : '\t'.repeat(Math.floor(width / unit)) + ' '.repeat(width % unit);
      return lead + line.slice(ws.length);
    })
    .join('\n');
}

/** Every character of `needle` appears in `text`, in order. */
export function isSubsequence(needle: string, text: string): boolean {
  let i = 0;
  for (const c of text) if (i < needle.length && c === needle[i]) i++;
  return i === needle.length;
}
