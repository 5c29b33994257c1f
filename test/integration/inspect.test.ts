/**
 * `clnrm health` and `clnrm plugins` look at the real machine and the real schema.
 * Mutations caught: health printing fixed ticks (the missing image and the dead engine would
 * pass with exit 0); plugins from a fixed list (`stop_timeout_ms`, a key the schema gained,
 * would be missing).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { aliasConfig, dockerSkip, runCli, tmpDir } from "../helpers/env.js";

describe("health and plugins", () => {
  it("health: ready with the local images, exit 3 when an image or the engine is missing", {
    skip: dockerSkip,
  }, async () => {
    const dir = tmpDir();
    aliasConfig(dir);
    const ok = await runCli(["health"], { cwd: dir });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /✅ engine: .*API \d/);
    assert.match(ok.stdout, /✅ image clnrm\/busybox:local: present \(sha256:/);
    assert.match(ok.stdout, /✅ receiver port: an OTLP port binds \(\d+\)/);
    assert.match(ok.stdout, /✅ disk: [\d.]+ GiB free/);

    fs.writeFileSync(
      path.join(dir, "cleanroom.toml"),
      '[images.aliases]\n"alpine:latest" = "clnrm/not-built:none"\n',
    );
    const missing = await runCli(["health"], { cwd: dir });
    assert.equal(missing.code, 3);
    assert.match(missing.stdout, /❌ image clnrm\/not-built:none: not present locally/);

    const dead = await runCli(["health"], {
      cwd: dir,
      env: { DOCKER_HOST: `unix://${path.join(dir, "no.sock")}` },
    });
    assert.equal(dead.code, 3);
    assert.match(dead.stdout, /❌ engine: Docker engine not reachable/);
  });

  it("plugins: every accepted name, endpoint plugins with an image hint, schema keys", async () => {
    const r = await runCli(["plugins", "-f", "json"]);
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout) as {
      plugins: { name: string; exampleImage?: string }[];
      serviceKeys: string[];
    };
    assert.equal(out.plugins.find((p) => p.name === "ollama")?.exampleImage, "ollama/ollama");
    assert.ok(out.plugins.some((p) => p.name === "generic_container"));
    assert.ok(out.serviceKeys.includes("image") && out.serviceKeys.includes("stop_timeout_ms"));
  });
});
