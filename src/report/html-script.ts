/**
 * The HTML report's page script (inlined). Hand-written on purpose: the report must be one
 * file with no network and no build step, and no library draws a span waterfall offline.
 * It renders the embedded data (html-data.ts) and handles filter, search, collapsing, the span
 * detail panel and keyboard use (Tab, Enter/Space, ↑/↓/Home/End between spans, Esc closes the
 * panel, / focuses the search). The per-test rendering is in html-script-test.ts.
 */
import { RENDER_SPANS, RENDER_TEST } from "./html-script-test.js";

const START = `
(() => {
  const data = JSON.parse(document.getElementById("clnrm-data").textContent);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of kids.flat()) if (c !== undefined && c !== null && c !== false) e.append(c);
    return e;
  };
  const fmt = (x) =>
    x === undefined || x === null
      ? ""
      : x >= 1000
        ? (x / 1000).toFixed(2) + " s"
        : x.toFixed(x < 10 ? 2 : 0) + " ms";
  const val = (v) => (typeof v === "string" ? v : JSON.stringify(v));
  const LABEL = { passed: "PASS", failed: "FAIL", cached: "CACHED" };
  const state = { filter: "all", query: "" };

  // Run metadata.
  const r = data.run;
  const meta = [
    ["run", r.runId],
    ["started", r.startedAt],
    ["duration", fmt(r.durationMs)],
    ["tests", String(r.counts.tests)],
    ["passed", String(r.counts.passed)],
    ["failed", String(r.counts.failed)],
    ["cached", String(r.counts.cached)],
    ["node", r.node],
    ["platform", r.platform],
    ["report written", r.generatedAt],
  ];
  if (r.interrupted) meta.push(["interrupted", "yes"]);
  document
    .getElementById("runmeta")
    .append(...meta.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: v }))));

  // Filter buttons.
  const filters = document.getElementById("filters");
  for (const [key, label] of [
    ["all", "All"],
    ["passed", "Passed"],
    ["failed", "Failed"],
    ["cached", "Cached"],
  ]) {
    const n = key === "all" ? r.counts.tests : r.counts[key];
    filters.append(
      el(
        "button",
        {
          type: "button",
          "data-filter": key,
          "aria-pressed": String(key === "all"),
          onclick: () => {
            state.filter = key;
            filters
              .querySelectorAll("button")
              .forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.filter === key)));
            apply();
          },
        },
        label + " (" + n + ")",
      ),
    );
  }
  const search = document.getElementById("search");
  search.addEventListener("input", () => {
    state.query = search.value.trim().toLowerCase();
    apply();
  });
  document.addEventListener("keydown", (ev) => {
    if (
      ev.key === "/" &&
      document.activeElement !== search &&
      !/INPUT|TEXTAREA/.test(document.activeElement.tagName)
    ) {
      ev.preventDefault();
      search.focus();
    }
  });

  const kvTable = (obj, caption, keepOrder) => {
    const entries = Object.entries(obj || {});
    if (!entries.length) return el("p", { class: "meta", text: "no " + caption.toLowerCase() });
    return el(
      "table",
      { class: "kv" },
      el("caption", { class: "visually-hidden", text: caption }),
      ...entries
        .sort(([a], [b]) => (keepOrder ? 0 : a.localeCompare(b)))
        .map(([k, v]) => el("tr", {}, el("td", { text: k }), el("td", { text: val(v) }))),
    );
  };

  function spanMatches(s, q) {
    if (!q) return false;
    const eq = q.indexOf("=");
    if (eq > 0) {
      const k = q.slice(0, eq),
        v = q.slice(eq + 1);
      return [s.attrs, s.resource].some((o) =>
        Object.entries(o).some(
          ([ak, av]) => ak.toLowerCase() === k && val(av).toLowerCase().includes(v),
        ),
      );
    }
    if (s.name.toLowerCase().includes(q)) return true;
    return [s.attrs, s.resource].some((o) =>
      Object.entries(o).some(
        ([k, v]) => k.toLowerCase().includes(q) || val(v).toLowerCase().includes(q),
      ),
    );
  }

  function setExpanded(view, open) {
    view.toggle.setAttribute("aria-expanded", String(open));
    view.body.hidden = !open;
  }

  function openDetail(view, s, row) {
    view.rows.forEach((x) => x.classList.toggle("sel", x === row));
    const d = view.detail;
    d.replaceChildren();
    const close = el(
      "button",
      {
        type: "button",
        class: "close",
        "aria-label": "Close span details",
        onclick: () => closeDetail(view),
      },
      "✕ Close",
    );
    d.append(el("header", {}, el("h3", { tabindex: "-1", text: s.name }), close));
    const overview = {
      kind: s.kind,
      status: s.status + (s.statusMessage ? " — " + s.statusMessage : ""),
      source: s.source,
      "span id": s.id,
      "parent id": s.parent || "(root)",
      "trace id": view.traceOf.get(s.id),
      start: s.startIso || "",
      offset: fmt(s.startMs),
      duration: fmt(s.durMs),
      scope: s.scope || "",
    };
    d.append(el("h3", { text: "Span" }), kvTable(overview, "Span", true));
    d.append(
      el("h3", { text: "Attributes (" + Object.keys(s.attrs).length + ")" }),
      kvTable(s.attrs, "Attributes"),
    );
    d.append(el("h3", { text: "Events (" + s.events.length + ")" }));
    if (s.events.length)
      d.append(
        el(
          "table",
          {},
          el(
            "tr",
            {},
            el("th", { text: "event" }),
            el("th", { text: "at" }),
            el("th", { text: "attributes" }),
          ),
          ...s.events.map((e) =>
            el(
              "tr",
              {},
              el("td", { text: e.name }),
              el("td", { text: fmt(e.atMs) }),
              el("td", {
                class: "mono",
                text: Object.keys(e.attrs).length ? JSON.stringify(e.attrs) : "",
              }),
            ),
          ),
        ),
      );
    else d.append(el("p", { class: "meta", text: "no events" }));
    d.append(el("h3", { text: "Resource" }), kvTable(s.resource, "Resource"));
    d.hidden = false;
    d.dataset.span = s.id;
    view.openRow = row;
    d.querySelector("h3").focus();
  }

  function closeDetail(view) {
    view.detail.hidden = true;
    view.rows.forEach((x) => x.classList.remove("sel"));
    if (view.openRow) view.openRow.focus();
  }

  function markSpans(view, ids, scroll) {
    const set = new Set(ids || []);
    view.rows.forEach((row) => {
      const on = set.has(row.dataset.id);
      row.classList.toggle("hl", on);
      const m = row.querySelector(".mark");
      m.textContent = on ? "⚠ " : "";
    });
    const first = view.rows.find((x) => set.has(x.dataset.id));
    if (scroll && first) first.scrollIntoView({ block: "center" });
  }

`;

const END = `

  const main = document.querySelector("main");
  const views = data.tests.map(renderTest);
  views.forEach((v) => main.append(v.sec));
  const none = el("p", {
    class: "empty",
    hidden: true,
    text: "No test matches the filter and search.",
  });
  main.append(none);
  const shown = document.getElementById("shown");

  function apply() {
    const q = state.query;
    let n = 0;
    for (const v of views) {
      const t = v.test;
      const statusOk = state.filter === "all" || t.status === state.filter;
      let spanHits = 0;
      v.rows.forEach((row) => {
        const hit = spanMatches(v.spans.get(row.dataset.id), q);
        row.classList.toggle("match", hit);
        if (hit) spanHits++;
      });
      const textHit =
        !q ||
        t.name.toLowerCase().includes(q) ||
        t.file.toLowerCase().includes(q) ||
        t.findings.some((f) => f.rule.toLowerCase().includes(q));
      const visible = statusOk && (textHit || spanHits > 0);
      v.sec.hidden = !visible;
      if (visible) n++;
      if (visible && q && spanHits > 0) setExpanded(v, true);
    }
    none.hidden = n > 0;
    shown.textContent =
      "Showing " +
      n +
      " of " +
      views.length +
      " tests" +
      (q ? " matching “" + state.query + "”" : "");
  }
  apply();
})();

`;

/** The whole script: helpers, run metadata, filter and search; per-test views; start. */
export const HTML_SCRIPT = START + RENDER_TEST + RENDER_SPANS + END;
