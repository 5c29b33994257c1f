/**
 * The HTML report: one self-contained file (no network). The run's data is embedded as JSON
 * (html-data.ts) and drawn by an inline script (html-script.ts): run metadata, filter by
 * status, search by test / span / attribute, collapsible tests, a span waterfall per trace with
 * a detail panel (attributes, events, resource, status, source), the first failing rule with
 * its spans marked, container logs and the evidence level. Usable with the keyboard alone.
 */
import type { RunResult } from "../core/result.js";
import type { Span } from "../telemetry/span.js";
import { htmlData } from "./html-data.js";
import { HTML_SCRIPT } from "./html-script.js";
import { HTML_CSS } from "./html-style.js";

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function htmlReport(
  run: RunResult,
  spansPerTest: readonly (readonly Span[])[],
  now?: Date,
): string {
  const data = htmlData(run, spansPerTest, now);
  // `<` is escaped so no value can close the data <script> element.
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const c = data.run.counts;
  const title =
    `clnrm report ${escapeHtml(run.runId)}: ` + `${c.passed + c.cached} passed, ${c.failed} failed`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${title}</title><style>${HTML_CSS}</style></head>
<body><header><h1>clnrm report</h1><dl class="runmeta" id="runmeta" aria-label="Run"></dl></header>
<div class="toolbar" role="search">
<div class="filters" id="filters" role="group" aria-label="Filter tests by status">
</div>
<label class="visually-hidden" for="search">Search tests, spans and attributes</label>
<input id="search" type="search" autocomplete="off"
 placeholder="Search tests, spans, attributes (key=value) — press /">
<span id="shown" role="status" aria-live="polite"></span>
</div>
<main></main>
<script type="application/json" id="clnrm-data">${json}</script>
<script>${HTML_SCRIPT}</script>
</body></html>
`;
}
