/**
 * The developer loop behind `clnrm dev --watch`: on save (chokidar, trailing debounce) the
 * changed tests are re-rendered and re-validated; a change that touches only [expect.*]
 * re-evaluates the spans already collected without starting containers; any other change
 * re-runs the test.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import chokidar, { type FSWatcher } from "chokidar";
import { asCleanroomError, type CleanroomError } from "../core/errors.js";
import type { TestResult } from "../core/result.js";
import { loadTestSource, readSource } from "../config/load.js";
import { parseToml } from "../config/toml.js";
import { TEST_FILE_RE } from "../config/discover.js";
import type { TestConfig } from "../config/types.js";
import { canonicalJson } from "../telemetry/normalize.js";
import type { Span } from "../telemetry/span.js";
import { TemplateRenderer } from "../template/render.js";
import { checkExpectations, runTestConfig, type RunTestDeps } from "./run-test.js";

export type DevEvent =
  | {
      readonly kind: "verdict";
      readonly file: string;
      readonly result: TestResult;
      readonly mode: "run" | "re-evaluated";
      readonly latencyMs: number;
    }
  | {
      readonly kind: "invalid";
      readonly file: string;
      readonly error: CleanroomError;
      readonly latencyMs: number;
    };

interface Known {
  execKey: string;
  spans: readonly Span[];
  last?: TestResult;
}

/** Hash of everything except the expectations: equal keys mean the same containers would run. */
function executionKey(renderedToml: string, file: string): string {
  const raw = parseToml(renderedToml, file);
  delete raw.expect;
  return createHash("sha256").update(canonicalJson(raw)).digest("hex");
}

export class DevLoop {
  private watcher?: FSWatcher;
  private readonly known = new Map<string, Known>();
  private readonly pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private readonly renderer = new TemplateRenderer();

  constructor(
    private readonly deps: Omit<RunTestDeps, "renderer">,
    private readonly onEvent: (e: DevEvent) => void,
    private readonly debounceMs = 100,
  ) {}

  /**
   * Watches `paths` (files or directories), then runs every file once. The watcher is ready
   * before the first verdict is reported, so a save made after it is never missed.
   */
  async start(files: readonly string[], paths: readonly string[]): Promise<void> {
    this.watcher = chokidar.watch([...paths], {
      ignoreInitial: true,
      awaitWriteFinish: false,
      ignored: (p: string) => /(^|\/)(node_modules|\.git|\.clnrm)(\/|$)/.test(p),
    });
    const onChange = (p: string): void => {
      const abs = path.resolve(p);
      if (!TEST_FILE_RE.test(abs) && !abs.endsWith(".tera")) return;
      this.pending.set(abs, this.pending.get(abs) ?? Date.now());
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.debounceMs);
    };
    this.watcher.on("add", onChange).on("change", onChange);
    await new Promise<void>((resolve) => this.watcher!.once("ready", () => resolve()));
    const initial = this.running.then(async () => {
      for (const f of files) await this.process(f, Date.now());
    });
    this.running = initial;
    await initial;
  }

  private flush(): void {
    const batch = [...this.pending];
    this.pending.clear();
    // A changed include (a .tera that is not a test) re-runs every known test in its folder.
    const targets = new Map<string, number>();
    for (const [file, at] of batch) {
      if (TEST_FILE_RE.test(file)) targets.set(file, at);
      else
        for (const k of this.known.keys())
          if (path.dirname(k) === path.dirname(file)) targets.set(k, at);
    }
    this.running = this.running.then(async () => {
      for (const [file, at] of targets) {
        try {
          await this.process(file, at);
        } catch (e) {
          // Never lose a save: whatever went wrong is reported as that file's event.
          this.onEvent({
            kind: "invalid",
            file,
            error: asCleanroomError(e, "Internal"),
            latencyMs: Date.now() - at,
          });
        }
      }
    });
  }

  /** Waits for the work queued so far. */
  idle(): Promise<void> {
    return this.running;
  }

  private async process(file: string, savedAt: number): Promise<void> {
    let config: TestConfig;
    let rendered: string;
    try {
      const loaded = await loadTestSource(readSource(file), file, {
        map: this.deps.map,
        renderer: this.renderer,
      });
      config = loaded.config;
      rendered = loaded.rendered;
    } catch (e) {
      this.onEvent({
        kind: "invalid",
        file,
        error: asCleanroomError(e, "Configuration"),
        latencyMs: Date.now() - savedAt,
      });
      return;
    }
    const key = executionKey(rendered, file);
    const prev = this.known.get(file);
    if (prev && prev.execKey === key && prev.last && !prev.last.error) {
      const findings = [
        ...prev.last.findings.filter((f) => !f.rule.startsWith("expect.")),
        ...checkExpectations(config, prev.spans),
      ];
      const result: TestResult = {
        ...prev.last,
        findings,
        firstFailure: findings[0],
        verdict: findings.length || prev.last.error ? "failed" : "passed",
      };
      prev.last = result;
      this.onEvent({
        kind: "verdict",
        file,
        result,
        mode: "re-evaluated",
        latencyMs: Date.now() - savedAt,
      });
      return;
    }
    const run = await runTestConfig(config, { ...this.deps, renderer: this.renderer });
    this.known.set(file, { execKey: key, spans: run.spans, last: run.result });
    this.onEvent({
      kind: "verdict",
      file,
      result: run.result,
      mode: "run",
      latencyMs: Date.now() - savedAt,
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
    await this.running;
  }
}
