// The draft at the cursor while the engine denoises: injected `after` text, one run per slot
// state, so the document is never edited and the cursor never moves. Repaints only when what is
// shown changes (no flicker); cleared when the request ends, the final suggestion then shows as
// ghost text.
import * as vscode from 'vscode';
import type { SlotState } from '../engine/types';
import { DraftRun, runsKey } from './draftView';

type RunStyle = vscode.ThemableDecorationAttachmentRenderOptions;

const STYLES: Record<SlotState, RunStyle> = {
  masked: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'normal' },
  committed: { color: new vscode.ThemeColor('charts.blue'), fontWeight: 'bold' },
  stable: { color: new vscode.ThemeColor('editorGhostText.foreground') },
  flagged: { color: new vscode.ThemeColor('errorForeground'), textDecoration: 'line-through' },
  rewritten: { color: new vscode.ThemeColor('charts.green'), fontWeight: 'bold' },
};

/** Runs beyond this many are merged into the last one (a draft rarely alternates states this often). */
const MAX_RUNS = 48;

export class LiveDraft implements vscode.Disposable {
  /**
   * One decoration type per run. VS Code orders `after` texts at one position by their CSS class
   * name, which starts with the type's key, not by array order; so the types are sorted by key
   * and run i uses the i-th (the editor tests check the on-screen order).
   */
  private readonly types: vscode.TextEditorDecorationType[];
  private shown: { editor: vscode.TextEditor; key: string; owner: number; runs: number } | undefined;

  constructor() {
    this.types = Array.from({ length: MAX_RUNS }, () =>
      vscode.window.createTextEditorDecorationType({ rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed }),
    ).sort((a, b) => (`${a.key}-` < `${b.key}-` ? -1 : 1));
  }

  /** Shows `runs` at the cursor of the active editor for request `owner`, if it shows document `uri`. */
  show(owner: number, runs: DraftRun[], uri?: string): void {
    const editor = vscode.window.activeTextEditor;
    // The user may have switched editors since the request: never draw into another document.
    if (!editor || (uri !== undefined && editor.document.uri.toString() !== uri)) return;
    const key = `${editor.selection.active.line}:${editor.selection.active.character}|${runsKey(runs)}`;
    if (this.shown && this.shown.editor === editor && this.shown.key === key) {
      this.shown.owner = owner;
      return;
    }
    if (this.shown && this.shown.editor !== editor) this.clear();
    const fitted = mergeTail(runs, this.types.length);
    const at = new vscode.Range(editor.selection.active, editor.selection.active);
    fitted.forEach((run, i) =>
      editor.setDecorations(this.types[i], [{ range: at, renderOptions: { after: { contentText: run.text, ...STYLES[run.state] } } }]),
    );
    for (let i = fitted.length; i < (this.shown?.runs ?? 0); i++) editor.setDecorations(this.types[i], []);
    this.shown = { editor, key, owner, runs: fitted.length };
  }

  /** Removes the draft of request `owner` (a newer request's draft stays). */
  clear(owner?: number): void {
    if (!this.shown || (owner !== undefined && this.shown.owner !== owner)) return;
    for (let i = 0; i < this.shown.runs; i++) this.shown.editor.setDecorations(this.types[i], []);
    this.shown = undefined;
  }

  dispose(): void {
    this.clear();
    for (const type of this.types) type.dispose();
  }
}

function mergeTail(runs: DraftRun[], max: number): DraftRun[] {
  if (runs.length <= max) return runs;
  const head = runs.slice(0, max - 1);
  return [...head, { text: runs.slice(max - 1).map((r) => r.text).join(''), state: runs[max - 1].state }];
}
