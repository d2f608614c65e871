// Module worker: runs the engine host off the main thread.
import { createHost } from './host.js';

const handle = createHost((message) => self.postMessage(message), { targetMs: 40 });
self.addEventListener('message', (event) => handle(event.data));
