/**
 * Receiver mode selection: `--receiver host|sidecar|auto`, `[otel] receiver` in cleanroom.toml
 * (strict keys, JSON schema, CLEANROOM_OTEL_RECEIVER), and what `auto` picks for each engine
 * location.
 * Mutations caught: auto answering host for a tcp:// DOCKER_HOST (the remote case fails); the
 * rootless socket pattern dropped (the /run/user case fails); `otel` missing from PROJECT_SCHEMA
 * (the file with [otel] receiver is refused as an unknown key).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { loadProjectConfig } from "../../src/config/project.js";
import { schemaDocument } from "../../src/config/json-schema.js";
import { chooseReceiver } from "../../src/engine/receiver-mode.js";
import { runCli, tmpDir } from "../helpers/env.js";

const linux = (dockerHost?: string) => ({ dockerHost, platform: "linux" });

describe("receiver mode: auto picks host only where the gateway is this host", () => {
  it("host and sidecar are taken as set", () => {
    assert.deepEqual(chooseReceiver("host", linux("tcp://far:2375")), {
      mode: "host",
      reason: "set",
    });
    assert.deepEqual(chooseReceiver("sidecar", linux()), { mode: "sidecar", reason: "set" });
  });

  it("a local rootful socket (default or explicit, Docker or Podman) → host", () => {
    for (const h of [
      undefined,
      "",
      "unix:///var/run/docker.sock",
      "unix:///run/podman/podman.sock",
    ]) {
      const c = chooseReceiver("auto", linux(h));
      assert.equal(c.mode, "host", String(h));
      assert.match(c.reason, /^auto: local engine socket/);
    }
  });

  it("remote engines (tcp, ssh, npipe) → sidecar, naming the scheme", () => {
    for (const [h, scheme] of [
      ["tcp://10.0.0.5:2376", "tcp"],
      ["ssh://ci@builder", "ssh"],
      ["npipe:////./pipe/docker_engine", "npipe"],
    ] as const) {
      const c = chooseReceiver("auto", linux(h));
      assert.equal(c.mode, "sidecar", h);
      assert.equal(c.reason, `auto: remote engine (DOCKER_HOST=${scheme}://…)`);
    }
  });

  it("rootless and desktop sockets on Linux → sidecar", () => {
    for (const h of [
      "unix:///run/user/1000/docker.sock",
      "unix:///run/user/1000/podman/podman.sock",
      "unix:///home/me/.docker/desktop/docker.sock",
    ]) {
      const c = chooseReceiver("auto", linux(h));
      assert.equal(c.mode, "sidecar", h);
      assert.match(c.reason, /rootless or desktop/);
    }
  });

  it("macOS and Windows run containers in a VM → sidecar", () => {
    for (const platform of ["darwin", "win32"]) {
      const c = chooseReceiver("auto", { platform });
      assert.equal(c.mode, "sidecar");
      assert.match(c.reason, new RegExp(platform));
    }
  });
});

describe("[otel] receiver in cleanroom.toml", () => {
  const project = (text: string, env: Record<string, string> = {}) => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "cleanroom.toml"), text);
    return loadProjectConfig({ cwd: dir, env });
  };

  it("defaults to auto with the local node image; the file and the environment set it", () => {
    const d = project("");
    assert.equal(d.receiver, "auto");
    assert.equal(d.receiverImage, "clnrm/node:20");
    const s = project('[otel]\nreceiver = "sidecar"\nreceiver_image = "node:20-alpine"\n');
    assert.equal(s.receiver, "sidecar");
    assert.equal(s.receiverImage, "node:20-alpine");
    assert.equal(project("", { CLEANROOM_OTEL_RECEIVER: "host" }).receiver, "host");
  });

  it("a wrong value or an unknown key is a configuration error naming the key", () => {
    assert.throws(() => project('[otel]\nreceiver = "docker"\n'), /otel\.receiver/);
    assert.throws(() => project('[otel]\nreciever = "host"\n'), /reciever/);
    assert.throws(
      () => project("", { CLEANROOM_OTEL_RECEIVER: "remote" }),
      /CLEANROOM_OTEL_RECEIVER="remote" is not one of host, sidecar, auto/,
    );
  });

  it("the editor schema knows the key and its values", () => {
    const doc = schemaDocument("cleanroom.schema.json") as {
      properties: { otel: { properties: Record<string, { enum?: string[] }> } };
    };
    assert.deepEqual(doc.properties.otel.properties.receiver?.enum, ["host", "sidecar", "auto"]);
    assert.ok(doc.properties.otel.properties.receiver_image);
  });

  it("`run --receiver` accepts only host, sidecar, auto (usage error, exit 2)", async () => {
    const r = await runCli(["run", "--receiver", "remote", "nothing.clnrm.toml"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--receiver <mode>.*Allowed choices are host, sidecar, auto/s);
  });
});
