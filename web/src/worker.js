// Module worker: runs the engine host off the main thread.
import { createHost } from './host.js';

// The next slice as a message to itself: queued behind the page's messages, never clamped.
const channel = new MessageChannel();
/** @type {(() => void) | null} */
let next = null;
channel.port1.onmessage = () => {
  const fn = next;
  next = null;
  fn?.();
};
/** @param {() => void} fn */
const defer = (fn) => {
  next = fn;
  channel.port2.postMessage(0);
};

const handle = createHost((message) => self.postMessage(message), { targetMs: 40, defer });
// (data from the page: a ToHostMessage, which the host checks again)
self.addEventListener('message', (event) => handle(event.data));
