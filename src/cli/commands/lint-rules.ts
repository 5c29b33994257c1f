/** Lint rules over a loaded test: schema warnings, legacy format, contradictory expectations. */
import { locateKey } from "../../config/locate.js";
import type { ConfigIssue, TestConfig } from "../../config/types.js";

export interface LintMessage {
  readonly severity: "error" | "warning";
  readonly rule: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** Schema issues as lint messages: the same rule set `run` and `validate` apply. */
export function lintIssues(issues: readonly ConfigIssue[]): LintMessage[] {
  return issues.map((w) => ({
    severity: w.severity,
    rule: w.message.startsWith("unknown key") ? "unknown-key" : "schema",
    message: `${w.keyPath}: ${w.message}`,
    line: w.line,
    column: w.column,
  }));
}

/** `text`: the (rendered) TOML the config came from, to give findings their line. */
export function lintConfig(c: TestConfig, text?: string): LintMessage[] {
  const out: LintMessage[] = lintIssues(c.warnings);
  const orderLine = text ? locateKey(text, "expect.order")?.line : undefined;
  if (c.format === "legacy")
    out.push({
      severity: "warning",
      rule: "legacy-format",
      message:
        "legacy format ([test.metadata]/[[steps]]); the flat v0.7 form is [meta] + [[scenario]]",
    });
  if (!c.description)
    out.push({ severity: "warning", rule: "missing-description", message: "no description" });
  for (const sc of c.scenarios)
    if (!/^[A-Za-z0-9_.:-]+$/.test(sc.name))
      out.push({
        severity: "warning",
        rule: "scenario-name",
        message: `scenario name "${sc.name}" has characters outside [A-Za-z0-9_.:-]`,
      });
  for (const sc of c.scenarios) {
    const argv = sc.argv ?? [];
    const shell = /^(\/bin\/|\/usr\/bin\/)?(ba|da|z)?sh$/.test(argv[0] ?? "");
    const op = argv.find((w) => /^(&&|\|\||\||;|>|>>|<|2>&1)$/.test(w) || /\$[A-Za-z_{(]/.test(w));
    if (!shell && op !== undefined)
      out.push({
        severity: "warning",
        rule: "run-shell-syntax",
        message:
          `scenario "${sc.name}": run has shell syntax (${op}) but no shell runs it; ` +
          `write run = ["sh", "-c", "…"] (an argv array) or \`sh -c '…'\``,
      });
  }
  const o = c.expect.order;
  const before = [
    ...(o?.mustPrecede ?? []),
    ...(o?.mustFollow ?? []).map(([a, b]) => [b, a] as const),
  ];
  for (const w of c.expect.windows)
    for (const inner of w.contains)
      for (const [a, b] of before)
        if ((a === inner && b === w.outer) || (a === w.outer && b === inner))
          out.push({
            severity: "error",
            rule: "contradiction",
            message:
              `"${a}" must end before "${b}" starts, ` +
              `but [[expect.window]] requires "${inner}" inside "${w.outer}"`,
            line: orderLine,
          });
  for (const [a, b] of before)
    if (before.some(([x, y]) => x === b && y === a))
      out.push({
        severity: "error",
        rule: "contradiction",
        message: `order rules require both "${a}" before "${b}" and "${b}" before "${a}"`,
        line: orderLine,
      });
  if (c.hasExpectations && c.otel?.exporter === "none")
    out.push({
      severity: "warning",
      rule: "otel-disabled",
      message: 'expectations are declared but [otel] exporter is "none"',
    });
  return out;
}
