// Host side of the embed demo: sizes the frame from its bnlab:resize messages and sends commands.
const frame = /** @type {HTMLIFrameElement} */ (document.getElementById('lab'));
const log = /** @type {HTMLElement} */ (document.getElementById('host-log'));
const host = { heights: /** @type {number[]} */ ([]) };
window.bnlabHost = host;  // the embed test reads the heights

window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  const data = event.data;
  if (data && typeof data === 'object' && data.type === 'bnlab:resize' && Number.isFinite(data.height)) {
    frame.height = String(Math.min(Math.max(data.height, 200), 20000));
    host.heights.push(data.height);
    log.textContent = `The lab reported its height: ${data.height}px.`;
  }
});

/** @param {{ type: string } & Record<string, unknown>} message a parent -> lab message (embed.js) */
const send = (message) => frame.contentWindow?.postMessage(message, '*');
/** @param {string} id */
const button = (id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));  // embed-demo.html has them
button('host-play').addEventListener('click', () => send({ type: 'bnlab:play' }));
button('host-pause').addEventListener('click', () => send({ type: 'bnlab:pause' }));
button('host-preset').addEventListener('click', () => send({ type: 'bnlab:set-preset', chapter: 'noise', settings: { inspect: 256 } }));
