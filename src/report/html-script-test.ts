/**
 * The HTML report's per-test rendering (part of the inline page script, see html-script.ts):
 * the collapsible test with its metadata, evidence, error, findings and scenarios
 * (RENDER_TEST), and its span waterfall per trace, detail panel and container logs
 * (RENDER_SPANS). Plain browser JavaScript in strings; names come from html-script.ts's scope.
 */

/** renderTest(t): one test's section; returns its view. */
export const RENDER_TEST = String.raw`
  function renderTest(t) {
    const sec = el("section", {
      class: "test",
      id: "test-" + t.index,
      "data-status": t.status,
      "aria-labelledby": "test-" + t.index + "-title",
    });
    const bodyId = "test-" + t.index + "-body";
    const toggle = el(
      "button",
      {
        type: "button",
        class: "toggle",
        id: "test-" + t.index + "-title",
        "aria-expanded": "false",
        "aria-controls": bodyId,
      },
      el("span", { class: "chev", "aria-hidden": "true", text: "▶" }),
      el("span", { class: "badge " + t.status, text: LABEL[t.status] }),
      el("span", { class: "tname", text: t.name }),
      el("span", {
        class: "tmeta",
        text:
          fmt(t.durationMs) +
          " · " +
          t.traces.reduce((n, tr) => n + tr.spans.length, 0) +
          " spans",
      }),
    );
    const body = el("div", { class: "body", id: bodyId });
    const view = {
      test: t,
      sec,
      toggle,
      body,
      rows: [],
      spans: new Map(),
      traceOf: new Map(),
      detail: null,
      openRow: null,
    };
    toggle.addEventListener("click", () =>
      setExpanded(view, toggle.getAttribute("aria-expanded") !== "true"),
    );
    sec.append(el("h2", {}, toggle), body);

    body.append(
      el("div", {
        class: "meta",
        text: [
          t.file,
          t.digest ? "digest " + t.digest.slice(0, 16) + "…" : "",
          "spec " + t.specHash.slice(0, 12),
          t.completion ? "collection ended: " + t.completion : "",
          t.seed !== undefined ? "seed " + t.seed : "",
          t.freezeClock ? "clock " + t.freezeClock : "",
        ]
          .filter(Boolean)
          .join(" · "),
      }),
    );
    const src = Object.entries(t.evidence ? t.evidence.bySource : t.sources)
      .map(([k, v]) => k + " " + v)
      .join(", ");
    if (t.evidence)
      body.append(
        el(
          "div",
          { class: "evidence " + t.evidence.level },
          "Evidence: " +
            (t.evidence.level === "telemetry"
              ? "telemetry — " +
                t.evidence.rules +
                " rule(s) over " +
                t.evidence.spans +
                " span(s)"
              : "exit codes only (no span expectations)") +
            (src ? " (" + src + ")" : ""),
        ),
      );
    else if (src) body.append(el("div", { class: "evidence", text: "Spans by source: " + src }));
    if (t.error)
      body.append(
        el("div", {
          class: "error",
          role: "alert",
          text:
            t.error.kind +
            " error: " +
            t.error.message +
            (t.error.location ? "\n  at " + t.error.location : "") +
            (t.error.hint ? "\n  hint: " + t.error.hint : ""),
        }),
      );

    if (t.findings.length) {
      body.append(
        el("h3", { text: "Findings (" + t.findings.length + ") — select one to mark its spans" }),
      );
      const list = el("ol", { class: "findings" });
      t.findings.forEach((f, i) => {
        const first =
          t.firstFailure && f.rule === t.firstFailure.rule && f.message === t.firstFailure.message;
        const b = el(
          "button",
          {
            type: "button",
            class: "finding" + (first ? " first" : ""),
            "aria-pressed": String(!!first),
            "data-spans": (f.spanIds || []).join(","),
          },
          first ? el("span", { class: "tag", text: "first failing rule" }) : null,
          el("code", { text: f.rule }),
          " " + f.message,
          f.expected ? " — expected " + f.expected : "",
          f.actual ? ", actual " + f.actual : "",
          f.line ? " (line " + f.line + ")" : "",
        );
        b.addEventListener("click", () => {
          list
            .querySelectorAll(".finding")
            .forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
          markSpans(view, f.spanIds, true);
        });
        list.append(el("li", {}, b));
      });
      body.append(list);
    }

    if (t.scenarios.length) {
      body.append(el("h3", { text: "Scenarios and steps" }));
      const table = el(
        "table",
        {},
        el(
          "tr",
          {},
          ...["scenario / step", "service", "status", "exit", "time", "command and output"].map(
            (h) => el("th", { scope: "col", text: h }),
          ),
        ),
      );
      for (const sc of t.scenarios)
        for (const st of sc.steps)
          table.append(
            el(
              "tr",
              {},
              el("td", { text: sc.name + (st.name !== sc.name ? " / " + st.name : "") }),
              el("td", { text: st.service || "" }),
              el("td", { text: st.status + (st.timedOut ? " (timed out)" : "") }),
              el("td", { text: st.exitCode === undefined ? "" : String(st.exitCode) }),
              el("td", { text: fmt(st.durationMs) }),
              el(
                "td",
                {},
                el("code", { text: st.argv.join(" ") }),
                el(
                  "details",
                  {},
                  el("summary", { text: "stdout / stderr" }),
                  el("pre", {
                    text:
                      st.stdout + (st.stderr ? "\n--- stderr ---\n" + st.stderr : "") ||
                      "(no output)",
                  }),
                ),
              ),
            ),
          );
      if (!t.scenarios.some((s) => s.steps.length))
        for (const sc of t.scenarios)
          table.append(
            el(
              "tr",
              {},
              el("td", { text: sc.name }),
              el("td"),
              el("td", { text: sc.status }),
              el("td"),
              el("td", { text: fmt(sc.durationMs) }),
              el("td"),
            ),
          );
      body.append(table);
    }

    renderSpans(t, view, body);
    setExpanded(view, t.status === "failed");
    return view;
  }

`;

/** renderSpans(t, view, body): waterfall rows, detail panel, logs, warnings. */
export const RENDER_SPANS = String.raw`
  function renderSpans(t, view, body) {
    if (t.traces.length) {
      body.append(
        el("h3", {
          text:
            "Span waterfall (" +
            t.traces.length +
            " trace" +
            (t.traces.length > 1 ? "s" : "") +
            ") — select a span for its details; ↑/↓ move between spans",
        }),
      );
      for (const tr of t.traces) {
        const wf = el("div", {
          class: "wf",
          role: "group",
          "aria-label": "spans of trace " + tr.traceId,
        });
        for (const s of tr.spans) {
          view.spans.set(s.id, s);
          view.traceOf.set(s.id, tr.traceId);
          const row = el(
            "button",
            {
              type: "button",
              class: "row",
              "data-id": s.id,
              "aria-label": s.name + ", " + s.kind + ", " + s.status + ", " + fmt(s.durMs),
            },
            el(
              "span",
              { class: "label", style: "padding-left:" + (6 + 14 * s.depth) + "px" },
              el("span", { class: "mark" }),
              el("span", { class: "name", text: s.name }),
              el("span", { class: "kind", text: s.kind }),
            ),
            el(
              "span",
              { class: "track" },
              el("span", {
                class: "bar " + s.status,
                style:
                  "left:" +
                  (100 * s.startMs) / tr.totalMs +
                  "%;width:" +
                  Math.max(0.3, (100 * s.durMs) / tr.totalMs) +
                  "%",
              }),
            ),
            el("span", { class: "dur", text: fmt(s.durMs) }),
          );
          row.addEventListener("click", () => openDetail(view, s, row));
          row.addEventListener("keydown", (ev) => {
            const i = view.rows.indexOf(row);
            const next =
              ev.key === "ArrowDown"
                ? view.rows[i + 1]
                : ev.key === "ArrowUp"
                  ? view.rows[i - 1]
                  : ev.key === "Home"
                    ? view.rows[0]
                    : ev.key === "End"
                      ? view.rows[view.rows.length - 1]
                      : undefined;
            if (next) {
              ev.preventDefault();
              next.focus();
            }
          });
          view.rows.push(row);
          wf.append(row);
        }
        body.append(
          el(
            "div",
            { class: "trace" },
            el(
              "h4",
              {},
              "trace ",
              el("span", { class: "mono", text: tr.traceId }),
              el("span", { text: " · " + tr.spans.length + " spans · " + fmt(tr.totalMs) }),
            ),
            wf,
          ),
        );
      }
      view.detail = el("div", {
        class: "detail",
        role: "region",
        "aria-label": "Span details",
        hidden: true,
      });
      view.detail.addEventListener("keydown", (ev) => {
        if (ev.key === "Escape") {
          ev.preventDefault();
          closeDetail(view);
        }
      });
      body.append(view.detail);
      if (t.firstFailure) markSpans(view, t.firstFailure.spanIds, false);
    } else body.append(el("p", { class: "meta", text: "no spans were collected for this test" }));

    if (t.containers.length) {
      body.append(el("h3", { text: "Container logs (" + t.containers.length + ")" }));
      for (const c of t.containers)
        body.append(
          el(
            "details",
            { class: "logs" },
            el(
              "summary",
              {},
              c.name + " ",
              el("span", { class: "meta", text: c.image + " · " + c.containerId.slice(0, 12) }),
            ),
            el("pre", {
              text:
                (c.stdout || "") +
                  (c.stderr ? (c.stdout ? "\n--- stderr ---\n" : "") + c.stderr : "") ||
                "(no output)",
            }),
          ),
        );
    }
    if (t.warnings.length)
      body.append(
        el("h3", { text: "Warnings" }),
        el("ul", {}, ...t.warnings.map((w) => el("li", { text: w }))),
      );
  }

`;
