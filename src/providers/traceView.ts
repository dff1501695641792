// "BackPlay: Show Diffusion Trace": a webview that replays the last completion step by step
// (media/trace.js draws the slots x steps grid). Strict CSP: no remote resources, scripts only
// from media/ with a nonce, the trace handed over by postMessage rather than inlined into HTML.
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import type { CompletionTrace } from './completionController';

export class TraceView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private last: CompletionTrace | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  record(trace: CompletionTrace): void {
    this.last = trace;
    void this.panel?.webview.postMessage({ type: 'trace', trace });
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel('backplay.trace', 'BackPlay: Diffusion Trace', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [media],
    });
    this.panel = panel;
    panel.webview.html = traceHtml(panel.webview, media);
    panel.webview.onDidReceiveMessage((message: { type?: string }) => {
      if (message?.type === 'ready') void panel.webview.postMessage({ type: 'trace', trace: this.last });
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function traceHtml(webview: vscode.Webview, media: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'trace.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'trace.css'));
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${webview.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>BackPlay: Diffusion Trace</title>
</head>
<body>
<header>
  <button id="play" type="button">Play</button>
  <input id="step" type="range" min="0" max="0" value="0" aria-label="Step">
  <span id="stepLabel"></span>
</header>
<p id="summary">No completion yet: type in an editor, then run the command again.</p>
<section id="current" aria-label="Draft at the selected step"></section>
<div id="legend">
  <span class="slot masked">masked</span> <span class="slot committed">committed this step</span>
  <span class="slot stable">stable</span> <span class="slot flagged">flagged, re-masked</span>
  <span class="slot rewritten">rewritten</span>
</div>
<div id="gridWrap"><table id="grid" aria-label="Slots by step"></table></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
