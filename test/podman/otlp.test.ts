/** The otlp integration tests, against Podman (use-podman.ts). */
import "./use-podman.js";
import "../integration/otlp.test.js";
