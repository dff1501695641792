// Replays the last completion: one row per denoising step, one column per canvas slot, each cell
// coloured by the slot's state at that step. Text goes in with textContent only (never innerHTML):
// the tokens come from the user's code.
(function () {
  const vscode = acquireVsCodeApi();
  const grid = document.getElementById('grid');
  const current = document.getElementById('current');
  const summary = document.getElementById('summary');
  const slider = document.getElementById('step');
  const stepLabel = document.getElementById('stepLabel');
  const play = document.getElementById('play');
  const MASK = '\u2592';
  let trace;
  let timer;

  function show(text) {
    return text.replace(/\n/g, '\u21b5').replace(/\t/g, '\u2192') || '\u00b7';
  }

  function cell(tag, slot) {
    const el = document.createElement(tag);
    el.className = 'slot ' + slot.state;
    el.textContent = slot.state === 'masked' ? MASK : show(slot.text);
    el.title = slot.state;
    return el;
  }

  function render() {
    grid.replaceChildren();
    current.replaceChildren();
    if (!trace || trace.snapshots.length === 0) return;
    const c = trace.completion;
    const t = c.timings;
    summary.textContent =
      `${trace.request.sampler}, k=${trace.request.tokensPerStep}: ${c.steps} steps, ${c.forwardPasses} forward passes, ` +
      `${c.headCalls} head calls, ${c.remasks} re-masks, ${Math.round(c.ms)} ms on ${c.provider} ` +
      `(model ${Math.round(t.modelMs)} ms, head ${Math.round(t.headMs)} ms, tokenizer ${Math.round(t.tokenizeMs)} ms, other ${Math.round(t.otherMs)} ms)`;
    const head = grid.createTHead().insertRow();
    head.appendChild(document.createElement('th')).textContent = 'step';
    head.appendChild(document.createElement('th')).textContent = 'ms';
    trace.snapshots[0].slots.forEach((_, i) => {
      head.appendChild(document.createElement('th')).textContent = String(i);
    });
    const body = grid.createTBody();
    trace.snapshots.forEach((snapshot, row) => {
      const tr = body.insertRow();
      tr.dataset.row = String(row);
      tr.appendChild(document.createElement('th')).textContent = String(snapshot.step);
      tr.appendChild(document.createElement('td')).textContent = String(Math.round(snapshot.elapsedMs));
      snapshot.slots.forEach((slot) => tr.appendChild(cell('td', slot)));
    });
    slider.max = String(trace.snapshots.length - 1);
    select(trace.snapshots.length - 1); // a new trace opens on its final step
  }

  function select(row) {
    slider.value = String(row);
    const snapshot = trace.snapshots[row];
    stepLabel.textContent = `step ${snapshot.step} of ${trace.snapshots.length}, ${Math.round(snapshot.elapsedMs)} ms`;
    current.replaceChildren(...snapshot.slots.map((slot) => cell('span', slot)));
    for (const tr of grid.tBodies[0].rows) tr.classList.toggle('selected', tr.dataset.row === String(row));
  }

  function stop() {
    clearInterval(timer);
    timer = undefined;
    play.textContent = 'Play';
  }

  play.addEventListener('click', () => {
    if (!trace) return;
    if (timer) return stop();
    play.textContent = 'Pause';
    let row = Number(slider.value) >= trace.snapshots.length - 1 ? 0 : Number(slider.value);
    select(row);
    timer = setInterval(() => {
      row += 1;
      if (row >= trace.snapshots.length) return stop();
      select(row);
    }, 400);
  });
  slider.addEventListener('input', () => {
    stop();
    if (trace) select(Number(slider.value));
  });
  window.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'trace' && event.data.trace) {
      stop();
      trace = event.data.trace;
      render();
    }
  });
  vscode.postMessage({ type: 'ready' });
})();
