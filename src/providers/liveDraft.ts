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

export class LiveDraft implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private shown: { editor: vscode.TextEditor; key: string; owner: number } | undefined;

  /** Shows `runs` at the cursor of the active editor for request `owner`. */
  show(owner: number, runs: DraftRun[]): void {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    const key = `${editor.selection.active.line}:${editor.selection.active.character}|${runsKey(runs)}`;
    if (this.shown && this.shown.editor === editor && this.shown.key === key) {
      this.shown.owner = owner;
      return;
    }
    if (this.shown && this.shown.editor !== editor) this.shown.editor.setDecorations(this.type, []);
    const at = new vscode.Range(editor.selection.active, editor.selection.active);
    // Same position for every run: VS Code keeps decorations of one type at one position in array order.
    editor.setDecorations(
      this.type,
      runs.map((run) => ({ range: at, renderOptions: { after: { contentText: run.text, ...STYLES[run.state] } } })),
    );
    this.shown = { editor, key, owner };
  }

  /** Removes the draft of request `owner` (a newer request's draft stays). */
  clear(owner?: number): void {
    if (!this.shown || (owner !== undefined && this.shown.owner !== owner)) return;
    this.shown.editor.setDecorations(this.type, []);
    this.shown = undefined;
  }

  dispose(): void {
    this.clear();
    this.type.dispose();
  }
}
