import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LiveProgress, type ProgressStream } from "../../src/report/progress.js";

function stream(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    text: "",
    isTTY,
    columns: 80,
    write: (x: string) => {
      s.text += x;
      return true;
    },
  };
  return s;
}

describe("live progress", () => {
  it("on a terminal: one redrawn line per running test, finished tests drop out", () => {
    const out = stream(true);
    const p = new LiveProgress(out);
    p.start("a", "tests/a.clnrm.toml");
    p.start("b", "tests/b.clnrm.toml");
    p.update("a", "scenario checkout");
    const frame = out.text.slice(out.text.lastIndexOf("\x1b[0J") + 4);
    assert.match(
      frame,
      new RegExp(
        /^. tests\/a\.clnrm\.toml \d+\.\ds — scenario checkout\n/.source +
          /. tests\/b\.clnrm\.toml \d+\.\ds — starting\n$/.source,
      ),
    );
    assert.ok(
      out.text.includes("\x1b[2A\x1b[0J"),
      "redraws in place: cursor up over the two lines",
    );
    p.done("a");
    assert.match(out.text.slice(out.text.lastIndexOf("\x1b[0J") + 4), /^. tests\/b\.clnrm\.toml/);
    p.done("b");
    assert.ok(
      out.text.endsWith("\x1b[1A\x1b[0J"),
      "the last line is cleared when everything is done",
    );
  });

  it("in CI (no terminal): plain RUN lines, no escape codes", () => {
    const out = stream(false);
    const p = new LiveProgress(out);
    p.start("a", "tests/a.clnrm.toml");
    p.update("a", "scenario x");
    p.done("a");
    p.stop();
    assert.equal(out.text, "RUN  tests/a.clnrm.toml\n");
  });
});
