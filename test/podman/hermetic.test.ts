/** The hermetic network tests (services reach each other, nothing else), against Podman. */
import "./use-podman.js";
import "../integration/hermetic.test.js";
