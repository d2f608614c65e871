// Module worker: runs the engine host off the main thread.
import { createHost } from './host.js';

const handle = createHost((message, transfer) => self.postMessage(message, transfer), { targetMs: 40 });
self.addEventListener('message', (event) => handle(event.data));
