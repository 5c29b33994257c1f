/** The verdict integration tests (graceful stop and flush, crashes, timeouts), against Podman. */
import "./use-podman.js";
import "../integration/verdicts.test.js";
