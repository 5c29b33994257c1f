/**
 * Warnings for output cut at the kept cap (issue 12): a report never holds a silently shortened
 * log. Stdout lines past the cap were still parsed for spans and matched by log waits; only what
 * is kept for reports is cut.
 */
import { formatBytes } from "../core/format-bytes.js";
import type { ContainerLog, ScenarioResult } from "../core/result.js";
import { DEFAULT_MAX_OUTPUT } from "../engine/backend.js";

const CAP = formatBytes(DEFAULT_MAX_OUTPUT);

function dropped(o: { stdoutDropped?: number; stderrDropped?: number }): string | undefined {
  const out = o.stdoutDropped ?? 0;
  const err = o.stderrDropped ?? 0;
  if (out + err === 0) return undefined;
  return `${out + err} bytes dropped (stdout ${out}, stderr ${err})`;
}

export function outputCapWarnings(
  scenarios: readonly ScenarioResult[],
  containers: readonly ContainerLog[],
): string[] {
  const out: string[] = [];
  const told = new Set<string>();
  for (const sc of scenarios)
    for (const st of sc.steps) {
      const d = dropped(st);
      if (!d) continue;
      // a run-to-exit scenario's output is its container's log: one warning for both
      if (st.kind === "scenario" && st.containerId) told.add(st.containerId);
      const what =
        st.kind === "scenario" ? `scenario "${sc.name}"` : `step "${st.name}" of "${sc.name}"`;
      out.push(`output of ${what} cut at ${CAP}: ${d}; stdout spans past the cut were still read`);
    }
  for (const c of containers) {
    const d = dropped(c);
    if (!d || told.has(c.containerId)) continue;
    out.push(
      `logs of ${c.name.includes(":") ? c.name : `service "${c.name}"`} cut at ${CAP}: ${d}`,
    );
  }
  return out;
}
