/**
 * Defers optional parts of dockerode until they are used: its BuildKit session support
 * (`dockerode/lib/session.js`, which loads @grpc/grpc-js and @grpc/proto-loader: ~110 files)
 * and docker-modem's SSH transport (`docker-modem/lib/ssh.js`, which loads ssh2 and its crypto:
 * ~35 files). clnrm never builds images, and needs SSH only for an `ssh://` DOCKER_HOST, yet
 * dockerode requires both when it loads: 1.4–2.2 s of a `clnrm run` on a loaded 2-core machine
 * (0.3–0.45 s without them). Also the build-context packer (`tar-fs` with tar-stream, bl, pump…,
 * and `@balena/dockerignore`, required by dockerode/lib/util.js) and docker-modem's stdin duplex
 * (`http_duplex.js`, the only user of readable-stream: clnrm never attaches stdin): ~30 files,
 * 80–250 ms of start-up on the same machine (issue 11). No option of dockerode skips them, so
 * this module puts a stand-in for each file into the CommonJS module cache; the stand-in loads
 * the real module on its first use and delegates to it. Must be imported before dockerode
 * (docker-backend.ts does). test/unit/cli-lazy.test.ts checks that a run loads none of them, and
 * that the stand-ins delegate.
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
    real ??= loadReal(file, stub, from) as (...args: unknown[]) => unknown;
    // called with `new` (a constructor such as HttpDuplex): construct the real one
    return new.target ? Reflect.construct(real, args) : real.apply(this, args);
  };
  from.cache[file] = stub;
  return file;
}

/** Replaces the CommonJS module `request` (an object of functions) by a lazily loading one. */
export function deferObjectModule(request: string, from = fromHere): string | undefined {
  let file: string;
  try {
    file = from.resolve(request);
  } catch {
    return undefined;
  }
  if (from.cache[file]) return file;
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  let real: Record<string | symbol, unknown> | undefined;
  stub.exports = new Proxy(
    {},
    {
      get: (_target, key) => {
        real ??= loadReal(file, stub, from) as Record<string | symbol, unknown>;
        return real[key];
      },
    },
  );
  from.cache[file] = stub;
  return file;
}

/** Loads the real module behind a stand-in; the stand-in stays in the cache for later requires. */
function loadReal(file: string, stub: Module, from: NodeJS.Require): unknown {
  delete from.cache[file];
  const real: unknown = from(file);
  from.cache[file] = stub;
  return real;
}

const fromDockerode = createRequire(fromHere.resolve("dockerode"));
deferFunctionModule("./session.js", fromDockerode);
deferFunctionModule("docker-modem/lib/ssh.js", fromDockerode);
deferObjectModule("tar-fs", fromDockerode);
deferFunctionModule("@balena/dockerignore", fromDockerode);
deferFunctionModule("./http_duplex.js", createRequire(fromDockerode.resolve("docker-modem")));
