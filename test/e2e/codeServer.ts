// A real VS Code for the editor tests: code-server on 127.0.0.1 with throwaway user data and
// extensions folders (the extension is a symlink to this repository), driven by headless Debian
// Chromium through playwright-core. Facts behind every flag: /work/shared/E2E.md.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const E2E_HOME = process.env.BACKPLAY_E2E_HOME ?? path.join(os.homedir(), '.cache', 'backplay-e2e');
export const CODE_SERVER_BIN = path.join(E2E_HOME, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'e2e');

export interface EditorSession {
  page: Page;
  workspace: string;
  userSettingsPath: string;
  metricsFile: string;
  consoleErrors: string[];
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Extra user settings (backplay.modelPath, ...). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host (BACKPLAY_ENGINE, ...). */
  env?: Record<string, string>;
  /** Folder copied into a fresh workspace. */
  workspaceFixture: string;
  /** Open the workspace untrusted (Restricted Mode) instead of with workspace trust turned off. */
  untrusted?: boolean;
}

export function missingPrerequisites(): string[] {
  const missing = [];
  if (!fs.existsSync(CODE_SERVER_BIN)) missing.push(`${CODE_SERVER_BIN} (run bash scripts/setup-e2e.sh)`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run bash scripts/setup-e2e.sh)`);
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) missing.push('dist/extension.js (run npm run build)');
  return missing;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHealth(port: number, server: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited (${server.exitCode}):\n${log()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer /healthz in ${timeoutMs} ms:\n${log()}`);
}

export async function openEditor(options: SessionOptions): Promise<EditorSession> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-e2e-'));
  const dirs = {
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    xdg: path.join(root, 'xdg'),
    workspace: path.join(root, 'workspace'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.cpSync(options.workspaceFixture, dirs.workspace, { recursive: true });
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
    EXTENSIONS_GALLERY: '{}',
  };
  const vsix = process.env.BACKPLAY_E2E_VSIX;
  if (vsix) {
    // The check that the package itself is complete: install it as a user would.
    const install = spawnSync(
      CODE_SERVER_BIN,
      ['--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', path.resolve(vsix)],
      { env, encoding: 'utf8' },
    );
    if (install.status !== 0) throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
  } else {
    // An unpacked extension is picked up from a folder named <publisher>.<name>-<version>.
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    fs.symlinkSync(REPO_ROOT, path.join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`));
  }
  const userSettingsPath = path.join(dirs.userData, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(userSettingsPath), { recursive: true });
  fs.writeFileSync(
    userSettingsPath,
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'editor.inlineSuggest.enabled': true,
        // The suggest widget would take Tab from the inline suggestion.
        'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
        'editor.suggestOnTriggerCharacters': false,
        'editor.parameterHints.enabled': false,
        'typescript.disableAutomaticTypeAcquisition': true,
        'files.autoSave': 'off',
        // Untrusted: Restricted Mode without the dialog that asks on opening.
        ...(options.untrusted ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open' } : {}),
        ...options.settings,
      },
      null,
      2,
    ),
  );
  // code-server is a remote setup: machine-scoped settings (backplay.modelPath) are honoured only
  // from the Machine settings file (once the user settings change, User/ values of them are dropped).
  const machine = Object.fromEntries(Object.entries(options.settings ?? {}).filter(([k]) => k === 'backplay.modelPath'));
  if (Object.keys(machine).length) {
    fs.mkdirSync(path.join(dirs.userData, 'Machine'), { recursive: true });
    fs.writeFileSync(path.join(dirs.userData, 'Machine', 'settings.json'), JSON.stringify(machine, null, 2));
  }
  const metricsFile = path.join(root, 'metrics.jsonl');
  const port = await freePort();
  let serverLog = '';
  const server = spawn(
    CODE_SERVER_BIN,
    [
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      ...(options.untrusted ? [] : ['--disable-workspace-trust']), '--disable-proxy', '--ignore-last-opened',
      '--config', path.join(root, 'config.yaml'), '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    ],
    {
      detached: true, // its own process group, stopped as a group
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        BACKPLAY_METRICS_FILE: metricsFile,
        ...options.env,
      },
    },
  );
  server.stdout?.on('data', (d) => (serverLog += d));
  server.stderr?.on('data', (d) => (serverLog += d));
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    if (server.pid && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    // Keep VS Code's logs (the BackPlay output channel among them) with the other artifacts.
    const logs = path.join(dirs.userData, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(ARTIFACTS, `logs-${path.basename(root)}`), { recursive: true });
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForHealth(port, server, () => serverLog);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 30_000 });
    return { page, workspace: dirs.workspace, userSettingsPath, metricsFile, consoleErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs a command by its palette title through F1. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().waitFor();
  await page.keyboard.press('Enter');
}

/** Opens a workspace file through Quick Open and waits until its editor has focus. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(relativePath);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[aria-label*="${path.basename(relativePath)}"]`).waitFor();
  await page.locator('.monaco-editor.focused').waitFor();
}

export function updateUserSettings(session: EditorSession, changes: Record<string, unknown>): void {
  const current = JSON.parse(fs.readFileSync(session.userSettingsPath, 'utf8'));
  fs.writeFileSync(session.userSettingsPath, JSON.stringify({ ...current, ...changes }, null, 2));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
