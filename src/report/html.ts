/**
 * The HTML report: one self-contained file (no network): summary, every test and scenario,
 * a span waterfall per trace with attributes on click, failures highlighted and linked to
 * their spans. Data is embedded as JSON and drawn by a small inline script.
 */
import type { RunResult } from "../core/result.js";
import type { Span } from "../telemetry/span.js";
import { spanTree } from "../telemetry/tree.js";
import { jsonReport } from "./json.js";

interface WaterfallRow {
  readonly id: string;
  readonly name: string;
  readonly depth: number;
  readonly startMs: number;
  readonly durMs: number;
  readonly status: string;
  readonly kind: string;
  readonly attrs: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
  readonly events: string[];
}

/** Spans in tree order with depth and times relative to the earliest start. */
export function waterfall(spans: readonly Span[]): WaterfallRow[] {
  const tree = spanTree(spans);
  const t0 =
    spans.reduce<bigint | undefined>(
      (m, s) => (s.startNs !== undefined && (m === undefined || s.startNs < m) ? s.startNs : m),
      undefined,
    ) ?? 0n;
  const byStart = (a: Span, b: Span): number => Number((a.startNs ?? 0n) - (b.startNs ?? 0n));
  const out: WaterfallRow[] = [];
  const seen = new Set<string>();
  const walk = (s: Span, depth: number): void => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    const start = s.startNs !== undefined ? Number(s.startNs - t0) / 1e6 : 0;
    const dur =
      s.startNs !== undefined && s.endNs !== undefined ? Number(s.endNs - s.startNs) / 1e6 : 0;
    out.push({
      id: s.spanId,
      name: s.name,
      depth,
      startMs: start,
      durMs: dur,
      status: s.status.code,
      kind: s.kind ?? "unspecified",
      attrs: { ...s.attributes },
      resource: { ...s.resource },
      events: s.events.map((e) => e.name),
    });
    for (const c of [...tree.children(s.spanId)].sort(byStart)) walk(c, depth + 1);
  };
  for (const r of [...tree.roots].sort(byStart)) walk(r, 0);
  return out;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}
.sum{display:flex;gap:24px;margin-top:6px;font-size:13px;opacity:.9}
main{padding:16px 24px}.test{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:0 0 16px;padding:12px 16px}
.test h2{font-size:16px;margin:0 0 6px;display:flex;gap:10px;align-items:center}
.badge{font-size:12px;font-weight:700;padding:2px 8px;border-radius:10px;color:#fff}.pass{background:#1f8a4c}.fail{background:#c62828}.cached{background:#6b7280}
.meta{color:#5b6472;font-size:12px}.finding{border-left:4px solid #c62828;background:#fdecea;padding:6px 10px;margin:6px 0;cursor:pointer}
.finding.first{font-weight:600}.finding code{background:none}code{font:12px ui-monospace,monospace;background:#f0f2f5;padding:1px 4px;border-radius:3px}
table.steps{border-collapse:collapse;width:100%;margin:6px 0;font-size:13px}table.steps td,table.steps th{border-bottom:1px solid #eef0f3;padding:3px 6px;text-align:left}
.wf{margin-top:8px;border:1px solid #eef0f3;border-radius:6px}.row{display:flex;align-items:center;height:22px;cursor:pointer;font-size:12px}
.row:hover{background:#f0f4ff}.row.hl{background:#ffe9e6}.row.sel{outline:2px solid #4f6bed}.label{width:34%;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.track{position:relative;flex:1;height:12px;margin-right:8px}.bar{position:absolute;height:12px;border-radius:3px;background:#4f6bed;min-width:2px}
.bar.ERROR{background:#c62828}.dur{width:80px;text-align:right;color:#5b6472;padding-right:6px}
.detail{font:12px ui-monospace,monospace;white-space:pre-wrap;background:#f8f9fb;border-top:1px solid #eef0f3;padding:8px;display:none}
details pre{max-height:240px;overflow:auto;background:#f8f9fb;padding:6px}
`;

const SCRIPT = `
const data = JSON.parse(document.getElementById('clnrm-data').textContent);
const el = (t, a = {}, ...kids) => { const e = document.createElement(t); for (const [k, v] of Object.entries(a)) k === 'class' ? e.className = v : k.startsWith('on') ? e.addEventListener(k.slice(2), v) : e.setAttribute(k, v); for (const c of kids) e.append(c); return e; };
const ms = (x) => x >= 1000 ? (x / 1000).toFixed(2) + 's' : x.toFixed(x < 10 ? 2 : 0) + 'ms';
const main = document.querySelector('main');
data.report.tests.forEach((t, ti) => {
  const rows = data.waterfalls[ti] || [];
  const box = el('section', { class: 'test', id: 'test-' + ti });
  const verdict = t.scenarios.some((s) => s.status === 'cached') && t.verdict === 'pass' ? ['cached', 'CACHED'] : t.verdict === 'pass' ? ['pass', 'PASS'] : ['fail', 'FAIL'];
  box.append(el('h2', {}, el('span', { class: 'badge ' + verdict[0] }, verdict[1]), t.name));
  box.append(el('div', { class: 'meta' }, t.file + ' · ' + ms(t.duration_ms) + ' · spans ' + t.counts.spans + (t.digest ? ' · digest ' + t.digest.slice(0, 16) + '…' : '')));
  if (t.evidence) box.append(el('div', { class: 'meta evidence' }, 'evidence: ' + (t.evidence.level === 'exit-codes' ? 'exit codes only (no [expect…] block)' : t.evidence.rules + ' rule(s) over ' + t.evidence.spans + ' span(s)' + (Object.keys(t.evidence.by_source).length ? ' (' + Object.entries(t.evidence.by_source).map(([k, n]) => k + '=' + n).join(', ') + ')' : ''))));
  if (t.error) box.append(el('div', { class: 'finding first' }, t.error.kind + ' error: ' + t.error.message));
  t.findings.forEach((f, fi) => {
    const div = el('div', { class: 'finding' + (fi === 0 ? ' first' : ''), 'data-spans': (f.spanIds || []).join(',') }, el('code', {}, f.rule), ' ' + f.message + (f.expected ? ' — expected ' + f.expected : '') + (f.actual ? ', actual ' + f.actual : ''));
    div.addEventListener('click', () => { box.querySelectorAll('.row').forEach((r) => r.classList.toggle('hl', (f.spanIds || []).includes(r.dataset.id))); const first = box.querySelector('.row.hl'); if (first) first.scrollIntoView({ block: 'center' }); });
    box.append(div);
  });
  const table = el('table', { class: 'steps' }, el('tr', {}, el('th', {}, 'scenario / step'), el('th', {}, 'status'), el('th', {}, 'exit'), el('th', {}, 'time'), el('th', {}, 'output')));
  for (const sc of t.scenarios) for (const st of sc.steps) table.append(el('tr', {}, el('td', {}, sc.name + ' / ' + st.name), el('td', {}, st.status), el('td', {}, String(st.exit_code ?? '')), el('td', {}, ms(st.duration_ms)), el('td', {}, el('details', {}, el('summary', {}, 'stdout/stderr'), el('pre', {}, st.stdout + (st.stderr ? '\\n--- stderr ---\\n' + st.stderr : ''))))));
  if (t.scenarios.length) box.append(table);
  if (rows.length) {
    const total = Math.max(...rows.map((r) => r.startMs + r.durMs), 0.001);
    const wf = el('div', { class: 'wf' });
    const detail = el('div', { class: 'detail' });
    for (const r of rows) {
      const bar = el('div', { class: 'bar ' + r.status, style: 'left:' + (100 * r.startMs / total) + '%;width:' + Math.max(0.2, 100 * r.durMs / total) + '%' });
      const row = el('div', { class: 'row', 'data-id': r.id }, el('div', { class: 'label', style: 'padding-left:' + (6 + 14 * r.depth) + 'px' }, r.name), el('div', { class: 'track' }, bar), el('div', { class: 'dur' }, ms(r.durMs)));
      row.addEventListener('click', () => { wf.querySelectorAll('.row.sel').forEach((x) => x.classList.remove('sel')); row.classList.add('sel'); detail.style.display = 'block'; detail.textContent = JSON.stringify({ name: r.name, spanId: r.id, kind: r.kind, status: r.status, attributes: r.attrs, events: r.events, resource: r.resource }, null, 2); });
      wf.append(row);
    }
    box.append(el('div', { class: 'meta' }, 'Span waterfall (click a span for its attributes)'), wf, detail);
  }
  main.append(box);
});
`;

export function htmlReport(run: RunResult, spansPerTest: readonly (readonly Span[])[]): string {
  const report = jsonReport(run);
  const data = { report, waterfalls: spansPerTest.map(waterfall) };
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const passed = run.tests.filter((t) => t.verdict === "passed").length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>clnrm report ${run.runId}</title><style>${CSS}</style></head>
<body><header><h1>clnrm report</h1><div class="sum"><span>run ${run.runId}</span><span>${passed} passed</span><span>${run.tests.length - passed} failed</span><span>${(run.durationMs / 1000).toFixed(2)}s</span><span>${run.startedAt}</span></div></header>
<main></main>
<script type="application/json" id="clnrm-data">${json}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
