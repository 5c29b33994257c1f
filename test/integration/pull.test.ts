/**
 * `clnrm pull` makes the images of the given tests present, after aliasing, on the real engine;
 * `collector` says plainly that no Collector image can be had. pull_policy = "never" keeps the
 * test off any registry (no traffic leaves the machine).
 * Mutations caught: images taken before aliasing (alpine:latest is not present: exit 3);
 * a missing image reported as pulled (exit 0 and no ❌ line); a collector stub printing "up".
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runCli, tmpDir, writeTest, suite } from "../helpers/env.js";

suite("pull and collector (real engine)", ["docker"], () => {
  it("pull: aliased images present; a missing one fails with exit 3", async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, "cleanroom.toml"),
      '[containers]\npull_policy = "never"\n[images.aliases]\n"alpin' +
        'e:latest" = "clnrm/busybox:local"\n',
    );
    writeTest(
      dir,
      "a.clnrm.toml",
      '[meta]\nname = "a"\n[service.app]\nimage = "alpine:latest"\n[[scen' +
        'ario]]\nname = "s"\nservice = "app"\nrun = "true"\n',
    );
    const ok = await runCli(["pull", "-j", "2", "."], { cwd: dir });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✅ clnrm\/busybox:local \(sha256:/);
    assert.doesNotMatch(ok.stdout, /alpine:latest/);

    writeTest(
      dir,
      "b.clnrm.toml",
      '[meta]\nname = "b"\n[service.x]\nimage = "clnrm/never-built:n' +
        'one"\n[[scenario]]\nname = "s"\nservice = "x"\nrun = "true"\n',
    );
    const missing = await runCli(["pull", "."], { cwd: dir });
    assert.equal(missing.code, 3);
    assert.match(missing.stdout, /❌ clnrm\/never-built:none: image .* is not present locally/);
  });

  it("collector: a clear message when no Collector image is present", async () => {
    const r = await runCli(["collector", "up"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /no OpenTelemetry Collector image is present locally/);
  });
});
