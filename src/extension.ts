// Activation and wiring only: everything registered goes into context.subscriptions.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.text = 'BackPlay';
  status.show();
  context.subscriptions.push(status);
}

export function deactivate(): void {}
