/**
 * clnrm as a library: `import { runSuite } from "clnrm"`. The CLI (`clnrm run`) is a thin
 * caller of the same function.
 */
export {
  newRunId,
  runSuite,
  suiteExitCode,
  sweepRun,
  type ReceiverChoice,
  type ReceiverMode,
  type RunSuiteOptions,
  type SelfExporter,
  type SuiteResult,
} from "./api/run-suite.js";
export type { ReportTargets } from "./api/reports.js";
export type { TestRun } from "./runner/run-test.js";
export type { RunResult, TestResult, ScenarioResult, StepResult, Finding } from "./core/result.js";
export type { Backend } from "./engine/backend.js";
export { CleanroomError, EXIT } from "./core/errors.js";
export { VERSION } from "./core/version.js";
