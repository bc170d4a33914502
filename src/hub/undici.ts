// The parts of undici HubClient uses: Agent, and Dispatcher#request. undici's index also builds fetch, WebSocket,
// EventSource, the mock, proxy and retry agents and the cache stores when it loads: about 10 ms more of every
// hub-tokens command (a 1.4 MB bundle instead of 0.75 MB; measured with esbuild bundles of both, compile cache on).
// index.js attaches the request API to Dispatcher's prototype; so does this module, once. The paths are undici's
// own files (it has no "exports" map); the lockfile pins the version, and every client test exercises them.
import Agent from "undici/lib/dispatcher/agent.js";
import api from "undici/lib/api/index.js";
import DispatcherBase from "undici/lib/dispatcher/dispatcher.js";

Object.assign(DispatcherBase.prototype, api);

export { Agent };
