// The small menu behind the status bar item, and the toggle commands it (and the palette) runs.
import * as vscode from 'vscode';

/** Boolean settings with a toggle command each: command id -> setting key under `backplay.`. */
export const TOGGLES: Record<string, { key: string; label: string }> = {
  'backplay.toggleEnable': { key: 'enable', label: 'completions' },
  'backplay.toggleLiveDraft': { key: 'liveDraft', label: 'live draft' },
  'backplay.toggleCorrection': { key: 'correction.enabled', label: 'look-back correction' },
};

/** Flips a boolean setting where the user set it (workspace if set there, else user settings). */
export async function toggleSetting(key: string): Promise<boolean> {
  const config = vscode.workspace.getConfiguration('backplay');
  const inspected = config.inspect<boolean>(key);
  const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const next = !config.get<boolean>(key, true);
  await config.update(key, next, target);
  return next;
}

/** Picks k, the knob that trades speed for accuracy, without opening the settings. */
export async function pickTokensPerStep(): Promise<void> {
  const config = vscode.workspace.getConfiguration('backplay');
  const current = config.get<number>('tokensPerStep', 2);
  const items = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => ({
    label: String(k),
    description: k === current ? 'current' : k === 1 ? 'slowest, most accurate' : k === 8 ? 'fastest' : undefined,
    k,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'BackPlay: tokens committed per denoising step' });
  if (picked) await config.update('tokensPerStep', picked.k, vscode.ConfigurationTarget.Global);
}

export async function showMenu(): Promise<void> {
  const config = vscode.workspace.getConfiguration('backplay');
  const onOff = (key: string) => (config.get<boolean>(key, true) ? 'on' : 'off');
  const items: (vscode.QuickPickItem & { command: string; args?: unknown[] })[] = [
    ...Object.entries(TOGGLES).map(([command, t]) => ({
      label: `$(settings) Turn ${t.label} ${onOff(t.key) === 'on' ? 'off' : 'on'}`,
      description: `now ${onOff(t.key)}`,
      command,
    })),
    { label: '$(dashboard) Set Tokens per Step', description: `now ${config.get<number>('tokensPerStep', 2)}`, command: 'backplay.setTokensPerStep' },
    { label: '$(graph) Show Diffusion Trace', description: 'replay the last completion', command: 'backplay.showTrace' },
    { label: '$(mortar-board) Retrain Correction Head on Workspace', command: 'backplay.retrainHead' },
    { label: '$(discard) Reset Correction Head', command: 'backplay.resetHead' },
    { label: '$(debug-restart) Restart Engine', command: 'backplay.restartEngine' },
    { label: '$(gear) Open Settings', command: 'workbench.action.openSettings', args: ['@ext:backplay.backplay'] },
    { label: '$(output) Show Log', command: 'backplay.showLog' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'BackPlay', placeHolder: 'Choose an action' });
  if (picked) await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
}
