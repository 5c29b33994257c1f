// node's spec reporter, plus one line before its summary that counts every skip: skipped tests
// and skipped suites (node's own "skipped" counts tests only, so a skipped describe() with 20
// tests inside shows as 0), with each reason. With CI=true any skip is reported as a failure of
// the run (scripts/run-tests.mjs reads the count from CLNRM_TEST_SKIP_FILE).
import fs from "node:fs";
import { Transform } from "node:stream";
import { spec } from "node:test/reporters";

const IN_CI = ["true", "1", "yes"].includes((process.env.CI ?? "").toLowerCase());

export default class SkipCountingSpec extends Transform {
  constructor() {
    super({ writableObjectMode: true });
    this.spec = new spec();
    this.spec.on("data", (d) => this.push(d));
    this.skips = new Map();
    this.said = false;
  }

  _transform(ev, _enc, done) {
    const d = ev.data ?? {};
    if ((ev.type === "test:pass" || ev.type === "test:fail") && d.skip !== undefined) {
      // node reports a skipped suite twice when it runs several files: count places, not events
      const where = `${d.file ?? ""}:${d.line ?? ""}:${d.column ?? ""}:${d.name}`;
      const kind = d.details?.type === "suite" ? "suite" : "test";
      this.skips.set(where, `${kind} "${d.name}": ${d.skip === true ? "skipped" : d.skip}`);
    }
    if (ev.type === "test:diagnostic" && !this.said && /^tests \d+$/.test(d.message ?? "")) {
      this.said = true;
      this.spec.write({ type: "test:diagnostic", data: { nesting: 0, message: this.line() } });
      if (process.env.CLNRM_TEST_SKIP_FILE)
        fs.writeFileSync(process.env.CLNRM_TEST_SKIP_FILE, String(this.skips.size));
    }
    this.spec.write(ev, done);
  }

  line() {
    const n = this.skips.size;
    const suites = [...this.skips.values()].filter((s) => s.startsWith("suite")).length;
    const head = `skipped ${n} (${n - suites} test(s), ${suites} suite(s))`;
    if (n === 0) return head;
    const list = [...new Set(this.skips.values())].map((s) => `\n  - ${s}`).join("");
    return `${head}${IN_CI ? " — CI=true: a skip is a failure" : ""}:${list}`;
  }

  _flush(done) {
    this.spec.once("end", () => done());
    this.spec.end();
  }
}
