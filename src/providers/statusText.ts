// What the status bar item says, as a pure function of the state (unit-tested without vscode).
// The aria label starts with a fixed "BackPlay <kind>" so tests and screen readers can rely on it.

export interface StatusState {
  kind: 'loading' | 'ready' | 'thinking' | 'error' | 'off';
  provider?: string;
  model?: string;
  head?: 'shipped' | 'custom' | 'none';
  lastLatencyMs?: number;
  lastSteps?: number;
  /** Tokens committed per step (k) of the current settings. */
  tokensPerStep?: number;
  error?: string;
}

const ICONS: Record<StatusState['kind'], string> = {
  loading: '$(loading~spin)',
  ready: '$(check)',
  thinking: '$(sync~spin)',
  error: '$(error)',
  off: '$(circle-slash)',
};

const HEAD_NAMES = { shipped: 'shipped head', custom: 'workspace head', none: 'no head' };

export function statusLabel(state: StatusState): { text: string; tooltip: string; aria: string } {
  const parts = ['BackPlay'];
  if (state.provider && state.kind !== 'error' && state.kind !== 'off') parts.push(state.provider);
  if (state.lastLatencyMs !== undefined && (state.kind === 'ready' || state.kind === 'thinking')) {
    parts.push(`${Math.round(state.lastLatencyMs)} ms`);
  }
  if (state.head === 'custom') parts.push('ws head');
  const head = state.head ? HEAD_NAMES[state.head] : 'head unknown';
  const lines = [
    `BackPlay: ${state.kind}${state.error ? ` (${state.error})` : ''}`,
    state.model ? `Model: ${state.model}` : undefined,
    state.provider ? `Device: ${state.provider}` : undefined,
    `Correction: ${head}`,
    state.tokensPerStep !== undefined ? `Tokens per step: ${state.tokensPerStep}` : undefined,
    state.lastLatencyMs !== undefined ? `Last completion: ${Math.round(state.lastLatencyMs)} ms, ${state.lastSteps ?? '?'} steps` : undefined,
    'Click for the BackPlay menu',
  ].filter((l): l is string => l !== undefined);
  const aria = [
    `BackPlay ${state.kind}`,
    state.provider,
    head,
    state.tokensPerStep !== undefined ? `k=${state.tokensPerStep}` : undefined,
    state.lastLatencyMs !== undefined ? `${Math.round(state.lastLatencyMs)} ms` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return { text: `${ICONS[state.kind]} ${parts.join(' · ')}`, tooltip: lines.join('\n'), aria };
}
