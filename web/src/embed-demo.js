// Host side of the embed demo: sizes the frame from its bnlab:resize messages and sends commands.
const frame = /** @type {HTMLIFrameElement} */ (document.getElementById('lab'));
const log = document.getElementById('host-log');
window.bnlabHost = { heights: [] };

window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  const data = event.data;
  if (data && typeof data === 'object' && data.type === 'bnlab:resize' && Number.isFinite(data.height)) {
    frame.height = String(Math.min(Math.max(data.height, 200), 20000));
    window.bnlabHost.heights.push(data.height);
    log.textContent = `The lab reported its height: ${data.height}px.`;
  }
});

const send = (message) => frame.contentWindow?.postMessage(message, '*');
document.getElementById('host-play').addEventListener('click', () => send({ type: 'bnlab:play' }));
document.getElementById('host-pause').addEventListener('click', () => send({ type: 'bnlab:pause' }));
document.getElementById('host-preset').addEventListener('click', () => send({ type: 'bnlab:set-preset', chapter: 'noise', settings: { inspect: 256 } }));
