/**
 * Defers two optional parts of dockerode until they are used: its BuildKit session support
 * (`dockerode/lib/session.js`, which loads @grpc/grpc-js and @grpc/proto-loader: ~110 files)
 * and docker-modem's SSH transport (`docker-modem/lib/ssh.js`, which loads ssh2 and its crypto:
 * ~35 files). clnrm never builds images, and needs SSH only for an `ssh://` DOCKER_HOST, yet
 * dockerode requires both when it loads: 1.4–2.2 s of a `clnrm run` on a loaded 2-core machine
 * (0.3–0.45 s without them). No option of dockerode skips them, so this module puts a stand-in
 * for each file into the CommonJS module cache; the stand-in loads the real module on its first
 * call and delegates to it. Must be imported before dockerode (docker-backend.ts does).
 * test/unit/cli-lazy.test.ts checks that a run loads neither, and that the stand-ins delegate.
 */
import Module, { createRequire } from "node:module";

const fromHere = createRequire(import.meta.url);

/** Replaces the CommonJS module `request` (a function export) by a lazily loading stand-in. */
export function deferFunctionModule(request: string, from = fromHere): string | undefined {
  let file: string;
  try {
    file = from.resolve(request);
  } catch {
    return undefined; // layout changed: nothing to defer, dockerode loads it as usual
  }
  if (from.cache[file]) return file;
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  let real: ((...args: unknown[]) => unknown) | undefined;
  stub.exports = function deferred(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete from.cache[file];
      real = from(file) as (...args: unknown[]) => unknown;
      from.cache[file] = stub;
    }
    return real.apply(this, args);
  };
  from.cache[file] = stub;
  return file;
}

const fromDockerode = createRequire(fromHere.resolve("dockerode"));
deferFunctionModule("./session.js", fromDockerode);
deferFunctionModule("docker-modem/lib/ssh.js", fromDockerode);
