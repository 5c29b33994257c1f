/**
 * What differs on Podman, through the Backend against the real Podman API (engine-flavor.ts).
 * Mutations (by hand) each check was seen to catch:
 * - no anchor started in createNetwork → listen on the gateway fails with EADDRNOTAVAIL.
 * - anchor not removed in removeNetwork → Podman refuses to remove the network (in use).
 * - the on-demand healthcheck dropped from state() → health stays "starting".
 * - identityOf() reading no Libpod header → ping() reports Docker's /version (and is slow).
 */
import "./use-podman.js";
import { after, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import Docker from "dockerode";
import { DockerBackend } from "../../src/engine/docker/docker-backend.js";
import { identityOf, isTransientPodmanError } from "../../src/engine/docker/engine-flavor.js";
import { LABEL_RUN_ID, type NetworkInfo, runLabels } from "../../src/engine/backend.js";
import { sweep } from "../../src/engine/sweeper.js";
import { suite } from "../helpers/env.js";

const RUN_ID = `podmantest${process.pid}`;
const LABELS = runLabels(RUN_ID);

function listen(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => s.end("pong\n"));
    server.once("error", reject);
    server.listen(0, host, () => resolve(server));
  });
}

it("identityOf: Podman's /_ping headers name Podman; Docker's do not", () => {
  assert.deepEqual(
    identityOf({
      server: "Libpod/4.3.1 (linux)",
      "libpod-api-version": "4.3.1",
      "api-version": "1.41",
    }),
    { flavor: "podman", describe: "Podman 4.3.1 (Docker API 1.41)" },
  );
  assert.equal(identityOf({ server: "Docker/20.10.24+dfsg1 (linux)" }).flavor, "docker");
  // seen once under load: Podman's network create racing interfaces that come and go
  const raced = new Error("(HTTP code 500) server error - route ip+net: no such network interface");
  assert.equal(isTransientPodmanError(raced), true);
  assert.equal(isTransientPodmanError(new Error("network already exists")), false);
});

suite("Podman through the Backend (real Podman API)", ["docker"], () => {
  const backend = new DockerBackend();
  after(async () => {
    await sweep(backend, RUN_ID);
  });

  it("ping() names Podman, from /_ping, in well under Podman's slow /version", async () => {
    const t0 = Date.now();
    assert.match(await backend.ping(), /^Podman 4\.\d+\.\d+ \(Docker API 1\.\d+\)$/);
    assert.ok(Date.now() - t0 < 5000, `ping took ${Date.now() - t0} ms`);
    // the same backend class against Docker's socket still says Docker
    const docker = new DockerBackend(new Docker({ socketPath: "/var/run/docker.sock" }));
    assert.equal((await docker.flavor.get()).flavor, "docker");
  });

  for (const internal of [false, true])
    it(`a new ${internal ? "internal " : ""}network: its gateway bindable at once`, async () => {
      const name = `clnrm-${RUN_ID}-${internal ? "int" : "ext"}`;
      const info: NetworkInfo = await backend.createNetwork(name, internal, LABELS);
      let server: net.Server | undefined;
      try {
        server = await listen(info.gateway); // EADDRNOTAVAIL without the anchor
        const port = (server.address() as net.AddressInfo).port;
        const id = await backend.start({
          image: "clnrm/busybox:local",
          cmd: ["sh", "-c", `nc ${info.gateway} ${port} </dev/null`],
          env: {},
          labels: LABELS,
          network: { name, aliases: ["probe"] },
        });
        const w = await backend.wait(id, 60_000);
        const out = await backend.logs(id);
        assert.equal(w.exitCode, 0, out.stderr);
        assert.equal(out.stdout.trim(), "pong");
        await backend.remove(id);
        // the anchor is listed with the run's labels, so a crashed run's is swept
        const { containers, networks } = await backend.listManaged();
        assert.deepEqual(
          containers.filter((c) => c.labels[LABEL_RUN_ID] === RUN_ID).map((c) => c.name),
          [`${name}-anchor`],
        );
        assert.ok(networks.some((n) => n.id === info.id));
      } finally {
        server?.close();
        await backend.removeNetwork(info.id);
      }
      const left = await backend.listManaged();
      assert.equal(left.networks.filter((n) => n.id === info.id).length, 0, "network removed");
      const raw = await new Docker().listContainers({
        all: true,
        filters: JSON.stringify({ label: [`${LABEL_RUN_ID}=${RUN_ID}`] }),
      });
      assert.deepEqual(raw, [], "its anchor is removed with it");
    });

  it("docker = true: the healthcheck runs when readiness asks (no systemd)", async () => {
    const id = await backend.start({
      image: "clnrm/busybox:local",
      cmd: ["sleep", "120"],
      env: {},
      labels: LABELS,
      healthcheck: {
        test: ["CMD", "test", "-f", "/tmp/ok"],
        intervalMs: 500,
        timeoutMs: 2000,
        retries: 1,
      },
    });
    try {
      assert.notEqual((await backend.state(id)).health, "healthy");
      const touched = await backend.exec(id, ["touch", "/tmp/ok"]);
      assert.equal(touched.exitCode, 0);
      assert.equal((await backend.state(id)).health, "healthy");
    } finally {
      await backend.remove(id);
    }
  });
});
