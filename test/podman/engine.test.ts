/**
 * The execution-semantics tests (steps, argv, env, exec timeouts, readiness, depends_on with
 * DNS aliases, limits, fail-fast, cleanup), against Podman.
 */
import "./use-podman.js";
import "../integration/engine.test.js";
