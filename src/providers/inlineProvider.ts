// Adapts VS Code's inline completion call to CompletionController (where the logic lives).
// Accepting a word or a line (VS Code's own commands) works on the item as for any provider.
import * as vscode from 'vscode';
import type { CompletionController } from './completionController';
import { documentSlice } from './contextWindow';
import { replacedSuffixLength } from './postprocess';

export class BackPlayInlineProvider implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly controller: CompletionController,
    /** Told of every call and its outcome (the editor tests' diagnostics). */
    private readonly onCall?: (call: { trigger: string; line: number; character: number; outcome: string }) => void,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionList | undefined> {
    if (NOT_CODE_SCHEMES.has(document.uri.scheme)) return undefined;
    const trigger = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke ? 'invoke' : 'automatic';
    this.onCall?.({ trigger, line: position.line, character: position.character, outcome: 'called' });
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const insertSpaces = editor?.options.insertSpaces;
    const tabSize = editor?.options.tabSize;
    // With the suggest widget open, VS Code shows an inline item only if it extends the selected
    // entry: complete as if that entry were accepted, and offer the entry's text plus ours.
    const selected = context.selectedCompletionInfo;
    const replace = selected?.range ?? new vscode.Range(position, position);
    const lastLine = document.lineAt(document.lineCount - 1);
    const slice = documentSlice(document.offsetAt(position), document.offsetAt(lastLine.range.end));
    const sliceStart = document.positionAt(slice.start);
    const before = document.getText(new vscode.Range(sliceStart, replace.start)) + (selected?.text ?? '');
    const after = document.getText(new vscode.Range(replace.end, document.positionAt(slice.end)));
    const text = await this.controller.provide(
      {
        text: before + after,
        offset: before.length,
        languageId: document.languageId,
        uri: document.uri.toString(),
        indent: {
          insertSpaces: typeof insertSpaces === 'boolean' ? insertSpaces : true,
          tabSize: typeof tabSize === 'number' ? tabSize : 4,
        },
        trigger,
      },
      token,
    );
    this.onCall?.({
      trigger,
      line: position.line,
      character: position.character,
      outcome: token.isCancellationRequested ? 'cancelled' : text ? 'shown' : 'nothing',
    });
    if (!text || token.isCancellationRequested) return undefined;
    const insert = (selected?.text ?? '') + text;
    const line = document.lineAt(position.line).text;
    const replaced = replacedSuffixLength(insert, line.slice(0, replace.start.character), line.slice(replace.end.character));
    return { items: [new vscode.InlineCompletionItem(insert, new vscode.Range(replace.start, replace.end.translate(0, replaced)))] };
  }
}

/** Documents that are not code someone writes: output panes, debug views, the commit message box, comments. */
const NOT_CODE_SCHEMES = new Set(['output', 'debug', 'vscode-scm', 'comment', 'search-editor']);
