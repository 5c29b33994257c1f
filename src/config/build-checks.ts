/** Checks and parsers the test-file builder shares: service dependency cycles, duration strings. */
import type { ServiceConfig } from "./types.js";

type ErrorFn = (keyPath: string, message: string) => void;

export function checkDependencies(services: readonly ServiceConfig[], error: ErrorFn): void {
  const ids = new Set(services.map((s) => s.id));
  for (const s of services)
    s.dependsOn.forEach((d, i) => {
      if (!ids.has(d)) error(`service.${s.id}.depends_on[${i}]`, `unknown service "${d}"`);
    });
  const state = new Map<string, "visiting" | "done">();
  const byId = new Map(services.map((s) => [s.id, s]));
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      error(
        `service.${id}.depends_on`,
        `dependency cycle: ${[...trail.slice(trail.indexOf(id)), id].join(" → ")}`,
      );
      return;
    }
    state.set(id, "visiting");
    for (const d of byId.get(id)?.dependsOn ?? []) if (byId.has(d)) visit(d, [...trail, id]);
    state.set(id, "done");
  };
  for (const s of services) visit(s.id, []);
}

export function parseDurationMs(text: string): number | undefined {
  const m =
    /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)?\s*$/.exec(
      text,
    );
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const mult =
    unit === "ms"
      ? 1
      : unit.startsWith("s")
        ? 1000
        : unit.startsWith("m")
          ? 60_000
          : unit.startsWith("h")
            ? 3_600_000
            : 86_400_000;
  return Math.round(n * mult);
}
