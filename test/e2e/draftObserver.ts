// Runs in the browser page: records, frame by frame, what the focused editor shows at the cursor:
// the live draft (the `after` texts of our decorations, in screen order) and the ghost text, each
// change with its wall-clock time, so the test can say what appeared, in which order, and when.
// Browser code is a string: this project compiles without the DOM library.
import type { Page } from 'playwright-core';

export interface ScreenEvent {
  t: number;
  draft: string;
  ghost: string;
}

const OBSERVER = `(() => {
  if (window.__bp) return;
  window.__bp = { events: [] };
  let last = '';
  const read = () => {
    const root = document.querySelector('.monaco-editor.focused .view-lines');
    if (!root) return { draft: '', ghost: '' };
    const draft = [];
    for (const el of root.querySelectorAll('span[class*="TextEditorDecorationType"]')) {
      const content = getComputedStyle(el, '::after').content;
      // A CSS string: "text" with escapes; JSON.parse reads the cases we produce.
      if (content && content.startsWith('"')) { try { draft.push(JSON.parse(content)); } catch { draft.push(content); } }
    }
    // Ghost text: its first line is inside view-lines, further lines in a view zone of the editor.
    const ghost = [...root.closest('.monaco-editor').querySelectorAll('[class*="ghost-text"]')].map((e) => e.textContent || '').join('').replace(/\\u00a0/g, ' ');
    return { draft: draft.join(''), ghost };
  };
  const tick = () => {
    const now = read();
    const key = now.draft + '\\u0000' + now.ghost;
    if (key !== last) { last = key; window.__bp.events.push({ t: Date.now(), ...now }); }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

export async function installObserver(page: Page): Promise<void> {
  await page.evaluate(OBSERVER);
}

/** The screen changes recorded since the last call. */
export async function takeEvents(page: Page): Promise<ScreenEvent[]> {
  return (await page.evaluate('(() => { const e = window.__bp.events; window.__bp.events = []; return e; })()')) as ScreenEvent[];
}
