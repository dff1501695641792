// The status bar item: loading / ready / thinking / error / off, the device in use, the last
// completion's latency and which head is in use. A click opens the BackPlay menu.
import * as vscode from 'vscode';
import type { EngineInfo } from '../engine/types';
import { statusLabel, StatusState } from './statusText';

export const MENU_COMMAND = 'backplay.menu';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: StatusState = { kind: 'loading' };

  constructor() {
    this.item = vscode.window.createStatusBarItem('backplay.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'BackPlay';
    this.item.command = MENU_COMMAND;
    this.render();
    this.item.show();
  }

  update(change: Partial<StatusState>): void {
    this.state = { ...this.state, ...change };
    this.render();
  }

  setInfo(info: EngineInfo): void {
    this.update({ kind: 'ready', provider: info.provider, model: info.modelName, head: info.head.source, error: undefined });
  }

  get current(): StatusState {
    return this.state;
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const label = statusLabel(this.state);
    this.item.text = label.text;
    this.item.tooltip = label.tooltip;
    this.item.accessibilityInformation = { label: label.aria, role: 'button' };
    this.item.backgroundColor = this.state.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
