/** analyze, spans, graph: work on recorded traces without Docker. */
import fs from "node:fs";
import type { Command } from "commander";
import { CleanroomError, EXIT } from "../../core/errors.js";
import type { UserRegex } from "../../core/regex.js";
import { loadTestFile } from "../../config/load.js";
import { spansFromFile } from "../../telemetry/text-input.js";
import { attrString, durationMs, spanToJson, type Span } from "../../telemetry/span.js";
import { traceDigest } from "../../telemetry/normalize.js";
import { diffTraces } from "../../telemetry/diff.js";
import { spanTree } from "../../telemetry/tree.js";
import { checkExpectations } from "../../runner/run-test.js";
import { formatFinding } from "../../report/console.js";
import { reportError, type GlobalOptions } from "../shared.js";
import { choiceOption, regex } from "../options.js";

function loadSpans(file: string): Span[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new CleanroomError(
      "Io",
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      { context: { file } },
    );
  }
  return spansFromFile(text, file);
}

export function treeLines(spans: readonly Span[]): string[] {
  const tree = spanTree(spans);
  const out: string[] = [];
  const walk = (s: Span, prefix: string, last: boolean, root: boolean): void => {
    out.push(root ? s.name : `${prefix}${last ? "└── " : "├── "}${s.name}`);
    const c = tree.children(s.spanId);
    for (const [i, k] of c.entries())
      walk(k, root ? "" : `${prefix}${last ? "    " : "│   "}`, i === c.length - 1, false);
  };
  for (const r of tree.roots) walk(r, "", true, true);
  return out;
}

export function registerTrace(
  program: Command,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
): void {
  program
    .command("analyze")
    .description("validate a recorded trace against a test's expectations (offline)")
    .argument("<trace-file>")
    .argument("<test-file>")
    .action(async (traceFile: string, testFile: string) => {
      try {
        const spans = loadSpans(traceFile);
        const { config } = await loadTestFile(testFile);
        const findings = checkExpectations(config, spans);
        process.stdout.write(`${spans.length} spans, digest sha256:${traceDigest(spans)}\n`);
        if (!config.hasExpectations)
          process.stdout.write("the test declares no [expect.*] blocks\n");
        for (const f of findings) process.stdout.write(`${formatFinding(f, "  ")}\n`);
        process.stdout.write(
          findings.length
            ? `FAIL ${config.name}: ${findings.length} finding(s), first: ${findings[0]!.rule}\n`
            : `PASS ${config.name}\n`,
        );
        exit(findings.length ? EXIT.testFailed : EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });

  program
    .command("spans")
    .description("list the spans of a trace file")
    .argument("<trace-file>")
    .option("--grep <regex>", "only span names matching", regex)
    .option("--attr <key=value>", "only spans with this attribute")
    .addOption(choiceOption("-f, --format <format>", "output format", ["table", "json"], "table"))
    .action((traceFile: string, opts: { grep?: UserRegex; attr?: string; format: string }) => {
      try {
        let spans = loadSpans(traceFile);
        const re = opts.grep;
        if (re) spans = spans.filter((s) => re.test(s.name));
        if (opts.attr) {
          const [k, v] = opts.attr.split("=", 2) as [string, string | undefined];
          spans = spans.filter((s) =>
            v === undefined ? k in s.attributes : attrString(s.attributes[k]) === v,
          );
        }
        if (opts.format === "json")
          process.stdout.write(`${JSON.stringify(spans.map(spanToJson), null, 2)}\n`);
        else {
          const rows = spans.map((s) => [
            s.name,
            String(s.resource["service.name"] ?? ""),
            durationMs(s)?.toFixed(3) ?? "-",
            s.status.code,
            s.kind ?? "-",
          ]);
          const head = ["SPAN NAME", "SERVICE", "DURATION MS", "STATUS", "KIND"];
          const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
          for (const r of [head, ...rows])
            process.stdout.write(`${r.map((c, i) => c.padEnd(w[i]!)).join("  ")}\n`);
          process.stdout.write(`${spans.length} span(s)\n`);
        }
        exit(EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });

  program
    .command("diff")
    .description("structural diff of two traces: added, removed and changed spans and attributes")
    .argument("<a>")
    .argument("<b>")
    .addOption(choiceOption("-f, --format <format>", "output format", ["human", "json"], "human"))
    .action((a: string, b: string, opts: { format: string }) => {
      try {
        const d = diffTraces(loadSpans(a), loadSpans(b));
        if (opts.format === "json") process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
        else {
          for (const p of d.added) process.stdout.write(`+ ${p}\n`);
          for (const p of d.removed) process.stdout.write(`- ${p}\n`);
          for (const c of d.changed)
            process.stdout.write(`~ ${c.path}\n${c.changes.map((x) => `    ${x}`).join("\n")}\n`);
          process.stdout.write(
            `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed\n`,
          );
        }
        exit(d.added.length + d.removed.length + d.changed.length > 0 ? EXIT.testFailed : EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });

  program
    .command("graph")
    .description("print a trace's span tree")
    .argument("<trace-file>")
    .addOption(
      choiceOption(
        "-f, --format <format>",
        "output format",
        ["ascii", "dot", "mermaid", "json"],
        "ascii",
      ),
    )
    .action((traceFile: string, opts: { format: string }) => {
      try {
        const spans = loadSpans(traceFile);
        const byId = new Map(spans.map((s) => [s.spanId, s]));
        const edges = spans
          .filter((s) => s.parentSpanId && byId.has(s.parentSpanId))
          .map((s) => [s.parentSpanId!, s.spanId] as const);
        const q = (s: string): string => JSON.stringify(s);
        let out: string;
        if (opts.format === "dot") {
          const nodes = spans.map((s) => `  ${q(s.spanId)} [label=${q(s.name)}];`).join("\n");
          const links = edges.map(([a, b]) => `  ${q(a)} -> ${q(b)};`).join("\n");
          out = `digraph trace {\n${nodes}\n${links}\n}`;
        } else if (opts.format === "mermaid") {
          const nodes = spans
            .map((s) => `  s${s.spanId}["${s.name.replace(/"/g, "'")}"]`)
            .join("\n");
          const links = edges.map(([a, b]) => `  s${a} --> s${b}`).join("\n");
          out = `graph TD\n${nodes}\n${links}`;
        } else if (opts.format === "json")
          out = JSON.stringify(
            {
              nodes: spans.map((s) => ({ id: s.spanId, name: s.name, kind: s.kind ?? null })),
              edges: edges.map(([source, target]) => ({ source, target })),
            },
            null,
            2,
          );
        else if (opts.format === "ascii") out = treeLines(spans).join("\n");
        else
          throw new CleanroomError(
            "Configuration",
            `--format must be ascii, dot, mermaid or json, got ${opts.format}`,
          );
        process.stdout.write(`${out}\n`);
        exit(EXIT.ok);
      } catch (e) {
        exit(reportError(e, globals().verbose));
      }
    });
}
