/** The engine integration tests, against Podman (use-podman.ts). */
import "./use-podman.js";
import "../integration/engine.test.js";
