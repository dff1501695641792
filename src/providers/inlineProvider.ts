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
    const trigger = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke ? 'invoke' : 'automatic';
    this.onCall?.({ trigger, line: position.line, character: position.character, outcome: 'called' });
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const insertSpaces = editor?.options.insertSpaces;
    const tabSize = editor?.options.tabSize;
    const offset = document.offsetAt(position);
    const lastLine = document.lineAt(document.lineCount - 1);
    const slice = documentSlice(offset, document.offsetAt(lastLine.range.end));
    const text = await this.controller.provide(
      {
        text: document.getText(new vscode.Range(document.positionAt(slice.start), document.positionAt(slice.end))),
        offset: offset - slice.start,
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
    const line = document.lineAt(position.line).text;
    const replaced = replacedSuffixLength(text, line.slice(0, position.character), line.slice(position.character));
    return { items: [new vscode.InlineCompletionItem(text, new vscode.Range(position, position.translate(0, replaced)))] };
  }
}
