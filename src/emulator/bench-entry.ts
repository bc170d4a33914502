// What scripts/bench/hub.mjs loads from dist/bench-hub.cjs: the emulator and the client, bundled like the CLI.
export { startEmulator } from "./server.js";
export { HubClient } from "../hub/client.js";
