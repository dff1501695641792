// "BackPlay: Retrain Correction Head on Workspace" and "Reset Correction Head".
// The training runs in the engine's worker; here: trust check, file collection, a cancellable
// progress notification, the report, and where the head lives (this workspace's storage).
import * as path from 'path';
import * as vscode from 'vscode';
import { headNotePath } from '../engine/headNote';
import type { Engine, HeadTrainReport } from '../engine/types';
import { FileCollector, IgnoreRules, SOURCE_GLOB } from './workspaceFiles';

/** workspaceState key of the retrained head's path. */
export const HEAD_STATE_KEY = 'backplay.headPath';
/** A retrain stops after this long even if not converged (the bound is 10 minutes). */
const TRAIN_BUDGET_MS = 8 * 60_000;

export interface HeadCommandDeps {
  context: vscode.ExtensionContext;
  getEngine(): Promise<Engine | undefined>;
  log: vscode.LogOutputChannel;
  /** Called after the head changed, with the engine's new info. */
  onHeadChanged(): Promise<void>;
}

/** Deletes a head file and its note, if they are there. */
async function removeHead(file: string): Promise<void> {
  for (const f of [file, headNotePath(file)]) await vscode.workspace.fs.delete(vscode.Uri.file(f), { useTrash: false }).then(undefined, () => undefined);
}

export function retrainedHeadPath(context: vscode.ExtensionContext): string | undefined {
  const stored = context.workspaceState.get<string>(HEAD_STATE_KEY);
  return stored && stored.length > 0 ? stored : undefined;
}

export async function retrainHead(deps: HeadCommandDeps): Promise<HeadTrainReport | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(
      'BackPlay: retraining reads every source file of this workspace and writes a head that later completions run. ' +
        'Trust the workspace first (Workspaces: Manage Workspace Trust), then run the command again.',
    );
    return undefined;
  }
  const storage = deps.context.storageUri;
  if (!storage || !vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showWarningMessage('BackPlay: open a folder first; the head is retrained on a workspace and stored with it.');
    return undefined;
  }
  const engine = await deps.getEngine();
  if (!engine) {
    void vscode.window.showErrorMessage('BackPlay: the engine is not running; see the BackPlay output for why.');
    return undefined;
  }
  await vscode.workspace.fs.createDirectory(storage);
  // A new file each time: the head in use stays on disk, untouched, until the new one is swapped in,
  // so a run cancelled or failing after the write never leaves its head at the path the next start loads.
  const outPath = path.join(storage.fsPath, `head-${Date.now()}.onnx`);
  const previous = retrainedHeadPath(deps.context);

  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'BackPlay: retraining the correction head', cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      progress.report({ message: 'collecting workspace files' });
      const collector = await collectWorkspaceFiles(token);
      deps.log.info(`retrain: collected ${JSON.stringify(collector.summary)}`);
      if (token.isCancellationRequested) return undefined;
      if (collector.files.length < 2) {
        void vscode.window.showWarningMessage('BackPlay: this workspace has too few JavaScript/TypeScript files to learn from.');
        return undefined;
      }
      let reported = 0;
      try {
        const report = await engine.trainHead(
          { files: collector.files, outPath, seed: 0, timeBudgetMs: TRAIN_BUDGET_MS },
          {
            signal: abort.signal,
            onProgress: (p) => {
              const percent = Math.round(p.fraction * 100);
              progress.report({ message: `${p.phase}: ${p.message}`, increment: Math.max(0, percent - reported) });
              reported = Math.max(reported, percent);
            },
          },
        );
        await engine.setHead(report.outPath);
        await deps.context.workspaceState.update(HEAD_STATE_KEY, report.outPath);
        if (previous && previous !== report.outPath) await removeHead(previous);
        await deps.onHeadChanged();
        deps.log.info(`retrain: ${JSON.stringify(report)}`);
        void vscode.window.showInformationMessage(describeReport(report, collector.files.length));
        return report;
      } catch (error) {
        if (retrainedHeadPath(deps.context) !== outPath) await removeHead(outPath); // not yet the head in use
        if (abort.signal.aborted) {
          void vscode.window.showInformationMessage('BackPlay: retraining cancelled; the previous head stays in use.');
        } else {
          deps.log.error(`retrain failed: ${String(error)}`);
          void vscode.window.showErrorMessage(`BackPlay: retraining failed (${String(error)}); the previous head stays in use.`);
        }
        return undefined;
      }
    },
  );
}

export async function resetHead(deps: HeadCommandDeps): Promise<void> {
  const stored = retrainedHeadPath(deps.context);
  await deps.context.workspaceState.update(HEAD_STATE_KEY, undefined);
  const engine = await deps.getEngine();
  await engine?.setHead(undefined);
  if (stored) await removeHead(stored);
  await deps.onHeadChanged();
  void vscode.window.showInformationMessage('BackPlay: back to the correction head shipped with the model.');
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function describeReport(r: HeadTrainReport, files: number): string {
  return (
    `BackPlay: new head trained on ${r.trainFiles} of ${files} files (${r.examples} examples, ${r.epochs} epochs, ` +
    `${Math.round(r.ms / 1000)} s), evaluated on ${r.heldOutFiles} held-out files. ` +
    `Errors caught ${percent(r.before.errorsCaught)} -> ${percent(r.after.errorsCaught)}, ` +
    `false flags ${percent(r.before.falseFlags)} -> ${percent(r.after.falseFlags)}, ` +
    `exact match ${percent(r.before.exactMatch)} -> ${percent(r.after.exactMatch)}.`
  );
}

/** Source files of every workspace folder, honouring files.exclude (findFiles) and every .gitignore in it. */
async function collectWorkspaceFiles(token: vscode.CancellationToken): Promise<FileCollector> {
  const collector = new FileCollector();
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const rules = new IgnoreRules();
    const relative = (uri: vscode.Uri) => path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
    const gitignores = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/.gitignore'), undefined, 500, token);
    const dirs = gitignores.map((uri) => path.posix.dirname(relative(uri))).map((d) => (d === '.' ? '' : d));
    for (const dir of dirs.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))) {
      if (dir && rules.ignores(`${dir}/`)) continue; // inside an ignored folder (node_modules/x/.gitignore)
      const uri = vscode.Uri.joinPath(folder.uri, dir, '.gitignore');
      rules.add(dir, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    }
    // `exclude` undefined: VS Code applies files.exclude.
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, SOURCE_GLOB), undefined, 20_000, token);
    uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath)); // the same workspace gives the same training set
    for (const uri of uris) {
      if (token.isCancellationRequested || collector.full) break;
      if (rules.ignores(relative(uri))) {
        collector.skipIgnored();
        continue;
      }
      const stat = await vscode.workspace.fs.stat(uri);
      if (collector.tooLarge(stat.size)) continue;
      collector.offer(relative(uri), await vscode.workspace.fs.readFile(uri));
    }
  }
  return collector;
}
