// Test helpers: fixtures mark the cursor with `|`, and a minimal cancellation token source.
import type { CancellationLike } from '../../src/providers/completionController';
import { buildCursorContext, CursorContext, IndentStyle } from '../../src/providers/postprocess';

export const SPACES_4: IndentStyle = { insertSpaces: true, tabSize: 4 };

/** `const x = foo(|);` -> the text without the marker and the marker's offset. */
export function atCursor(fixture: string): { text: string; offset: number } {
  const offset = fixture.indexOf('|');
  if (offset < 0 || fixture.indexOf('|', offset + 1) >= 0) throw new Error(`fixture needs exactly one | marker: ${fixture}`);
  return { text: fixture.slice(0, offset) + fixture.slice(offset + 1), offset };
}

export function contextAt(fixture: string, indent: IndentStyle = SPACES_4): CursorContext {
  const { text, offset } = atCursor(fixture);
  return buildCursorContext(text, offset, indent);
}

export class TokenSource {
  private cancelled = false;
  private readonly listeners = new Set<() => void>();
  readonly token: CancellationLike;

  constructor() {
    const source = this;
    this.token = {
      get isCancellationRequested() {
        return source.cancelled;
      },
      onCancellationRequested(listener) {
        source.listeners.add(listener);
        return { dispose: () => void source.listeners.delete(listener) };
      },
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  cancel(): void {
    this.cancelled = true;
    for (const l of [...this.listeners]) l();
  }
}
