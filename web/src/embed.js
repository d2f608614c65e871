// Embedding: post the page's height to the parent (plus Canvas's lti.frameResize) and accept
// play / pause / set-preset messages from the host page.
export function isEmbedded() {
  try {
    return window.parent !== window;
  } catch {
    return true;
  }
}

export function startEmbed({ onPlay, onPause, onPreset }) {
  if (!isEmbedded()) return () => {};
  let last = 0;
  const post = () => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (Math.abs(height - last) < 2) return;
    last = height;
    try {
      window.parent.postMessage({ type: 'bnlab:resize', height }, '*');
      window.parent.postMessage(JSON.stringify({ subject: 'lti.frameResize', height }), '*');
    } catch {
      // the parent may refuse messages; the page works without them
    }
  };
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(post) : null;
  observer?.observe(document.body);
  post();
  const onMessage = (event) => {
    const data = event.data;
    if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
    if (data.type === 'bnlab:play') onPlay?.();
    else if (data.type === 'bnlab:pause') onPause?.();
    else if (data.type === 'bnlab:set-preset') onPreset?.(String(data.chapter || ''), data.settings || {});
  };
  window.addEventListener('message', onMessage);
  document.documentElement.classList.add('embedded');
  return () => {
    observer?.disconnect();
    window.removeEventListener('message', onMessage);
  };
}

// Storage is unavailable in sandboxed frames: every access is guarded.
export function safeStorage() {
  try {
    const store = window.localStorage;
    store.getItem('bnlab');
    return store;
  } catch {
    return null;
  }
}
