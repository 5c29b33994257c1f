/**
 * The execution-semantics tests (steps, argv, env, exec timeouts, readiness, depends_on with
 * DNS aliases, limits, pull policy, fail-fast, cleanup), against Podman.
 */
import "./use-podman.js";
import "../integration/engine.test.js";
import "../integration/engine-policy.test.js";
