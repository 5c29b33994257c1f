/**
 * `clnrm self-test`: clnrm runs its own integration scenarios inside a container of the local
 * Node image, exporting its own spans over OTLP to a clnrm run on the host, which validates
 * them with ordinary [expect.*] blocks. Nothing passes unless the inner run really happened.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../core/paths.js";
import { VERSION } from "../../core/version.js";

export interface SelfTestFiles {
  readonly dir: string;
  readonly outer: string;
}

/**
 * Writes the inner test, the inner project config and the outer (validating) test into a fresh
 * folder.
 * A backslash at a line end inside the templates is a JavaScript line continuation (the
 * written file has one long line there).
 */
export function writeSelfTest(
  nodeImage = "clnrm/node:20",
  busyboxImage = "clnrm/busybox:local",
): SelfTestFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clnrm-self-test-"));
  fs.writeFileSync(
    path.join(dir, "cleanroom.toml"),
    `[images.aliases]\n"alpine:latest" = "${busyboxImage}"\n`,
  );
  fs.writeFileSync(
    path.join(dir, "inner.clnrm.toml"),
    `[test.metadata]
name = "inner_self_test"
[services.box]
image = "alpine:latest"
[[steps]]
name = "hello_world"
service = "box"
command = ["echo", "hello from the inner run"]
expected_output_regex = "hello from the inner run"
[[steps]]
name = "file_roundtrip"
service = "box"
command = ["sh", "-c", "echo data > /tmp/f && cat /tmp/f"]
expected_output_regex = "^data$"
`,
  );
  const mount = (host: string, container: string): string =>
    `{ host_path = ${JSON.stringify(host)}, container_path = "${container}", read_only = true }`;
  const outer = path.join(dir, "self-test.clnrm.toml");
  fs.writeFileSync(
    outer,
    `[meta]
name = "clnrm_self_test"
version = "${VERSION}"
description = "clnrm runs its own scenarios in a container; its own spans prove the work happened"

[otel]
exporter = "otlp"
resources = { "clnrm.self_test" = "true" }

[service.clnrm]
image = "${nodeImage}"
env = { DOCKER_HOST = "unix:///docker.sock" }
volumes = [
  ${mount(path.join(PROJECT_ROOT, "dist"), "/clnrm/dist")},
  ${mount(path.join(PROJECT_ROOT, "vendor"), "/clnrm/vendor")},
  ${mount(path.join(PROJECT_ROOT, "node_modules"), "/clnrm/node_modules")},
  ${mount(path.join(PROJECT_ROOT, "package.json"), "/clnrm/package.json")},
  ${mount(dir, "/selftest")},
  { host_path = "/var/run/docker.sock", container_path = "/docker.sock", read_only = false },
]

[[scenario]]
name = "inner_run"
service = "clnrm"
run = "sh -c 'cd /selftest && node /clnrm/dist/src/cli/main.js -c /selftest/cleanroom.toml run \
--no-cache --no-bundle --otel-exporter otlp-http --otel-endpoint \
\\"$OTEL_EXPORTER_OTLP_ENDPOINT\\" inner.clnrm.toml'"
timeout_ms = 120000

[[expect.span]]
name = "clnrm.run"
kind = "internal"
attrs.all = { result = "pass", component = "runner" }
duration_ms = { min = 1, max = 120000 }

[[expect.span]]
name = "clnrm.step:hello_world"
parent = "clnrm.test"
attrs.any = ["step.name=hello_world"]
events.any = ["container.exec"]

[[expect.span]]
name = "clnrm.plugin.registry"
parent = "clnrm.test"
attrs.all = { component = "plugin.registry" }

[[expect.span]]
name = "clnrm.container.exec"
parent = "clnrm.step:file_roundtrip"
attrs.all = { exit_code = "0" }

[expect.graph]
must_include = [["clnrm.run", "clnrm.test"], ["clnrm.test", "clnrm.step:hello_world"], \
["clnrm.test", "clnrm.service.start"]]
must_not_cross = [["clnrm.step:hello_world", "clnrm.plugin.registry"]]
acyclic = true

[expect.counts]
spans_total = { gte = 7 }
errors_total = { eq = 0 }
by_name = { "clnrm.run" = { eq = 1 }, "clnrm.step:*" = { eq = 2 }, \
"clnrm.container.exec" = { eq = 2 } }

[[expect.window]]
outer = "clnrm.run"
contains = ["clnrm.test", "clnrm.step:hello_world", "clnrm.plugin.registry"]

[expect.order]
must_precede = [["clnrm.plugin.registry", "clnrm.step:hello_world"], ["clnrm.step:hello_world", \
"clnrm.step:file_roundtrip"]]

[expect.status]
all = "OK"
by_name = { "clnrm.*" = "OK" }

[expect.hermeticity]
resource_attrs.must_match = { "service.name" = "clnrm" }
span_attrs.forbid_keys = ["net.peer.name", "http.url"]
`,
  );
  return { dir, outer };
}
