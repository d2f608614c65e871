// The page's handle on the engine host: a module worker if one can be made, else a Blob worker
// (sandboxed iframes with an opaque origin), else the main thread in short time slices.
import { fromHost, toHost } from './protocol.js';
import { unpack } from './unpack.js';
import { defaultModuleUrl, specText } from './engine.js';

const workerUrl = new URL('./worker.js', import.meta.url).href;
const readyTimeoutMs = 20000;

function waitReady(target, listen) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('engine did not start in time')), readyTimeoutMs);
    listen((message) => {
      if (message?.type === fromHost.ready) {
        clearTimeout(timer);
        resolve(message.chapters);
      } else if (message?.type === fromHost.failed) {
        clearTimeout(timer);
        reject(new Error(message.error));
      }
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function tryWorker(url, moduleUrl) {
  const worker = new Worker(url, { type: 'module' });
  const listeners = new Set();
  worker.addEventListener('message', (event) => listeners.forEach((fn) => fn(event.data)));
  const chapters = await waitReady(worker, (onMessage, onError) => {
    listeners.add(onMessage);
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      onError(new Error(event.message || 'worker failed to load'));
    }, { once: true });
    worker.postMessage({ type: toHost.init, moduleUrl });
  }).catch((error) => {
    worker.terminate();
    throw error;
  });
  return {
    chapters,
    post: (message) => worker.postMessage(message),
    listen: (fn) => listeners.add(fn),
    terminate: () => worker.terminate(),
  };
}

async function blobWorker(moduleUrl) {
  const source = `import ${JSON.stringify(workerUrl)};`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    return await tryWorker(url, moduleUrl);
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function mainThread(moduleUrl) {
  const { createHost } = await import('./host.js');
  const listeners = new Set();
  const handle = createHost((message) => {
    setTimeout(() => listeners.forEach((fn) => fn(message)), 0);
  }, { targetMs: 16, postEveryMs: 120 });
  const chapters = await waitReady(null, (onMessage) => {
    listeners.add(onMessage);
    handle({ type: toHost.init, moduleUrl });
  });
  return {
    chapters,
    post: (message) => handle(message),
    listen: (fn) => listeners.add(fn),
    terminate: () => listeners.clear(),
  };
}

// Tries each way in turn; `prefer` ('worker' | 'blob-worker' | 'main-thread') forces one (tests).
export async function createRunner({ moduleUrl = defaultModuleUrl, prefer = null } = {}) {
  const attempts = [
    ['worker', () => tryWorker(workerUrl, moduleUrl)],
    ['blob-worker', () => blobWorker(moduleUrl)],
    ['main-thread', () => mainThread(moduleUrl)],
  ].filter(([kind]) => !prefer || kind === prefer);
  const problems = [];
  for (const [kind, attempt] of attempts) {
    try {
      const channel = await attempt();
      return wrapChannel(kind, channel, problems);
    } catch (error) {
      problems.push(`${kind}: ${error?.message || error}`);
    }
  }
  throw new Error(`the training engine could not start (${problems.join('; ')})`);
}

function wrapChannel(kind, channel, problems) {
  let nextReq = 1;
  const pending = new Map();
  const subscribers = new Set();
  channel.listen((message) => {
    if (message?.type === fromHost.reply) {
      pending.get(message.reqId)?.(message.outcome);
      pending.delete(message.reqId);
    } else if (message?.type === fromHost.update) {
      let result = null;
      try {
        result = unpack(message.packed);
      } catch {
        result = null;
      }
      subscribers.forEach((fn) => fn({ ...message, packed: undefined, result }));
    } else if (message?.type === fromHost.error) {
      subscribers.forEach((fn) => fn({ ...message, state: 'failed' }));
    }
  });
  const call = (fn, arg) => new Promise((resolve) => {
    const reqId = nextReq++;
    pending.set(reqId, resolve);
    channel.post({ type: toHost.call, reqId, fn, arg });
  });
  return {
    kind,
    problems,
    chapters: channel.chapters,
    preset: (chapter) => call('preset', chapter),
    validate: (spec) => {
      const { text, error } = specText(spec);  // NaN would become null in JSON.stringify
      return error ? Promise.resolve({ ok: false, error, value: null }) : call('validate', text);
    },
    heap: () => call('heap'),  // the wasm heap: {used, total} bytes (a read-only debug figure)
    start: (runId, spec, { paused = false } = {}) => {
      const { text, error } = specText(spec);
      if (error) setTimeout(() => subscribers.forEach((fn) => fn({ type: fromHost.error, runId, error, state: 'failed' })), 0);
      else channel.post({ type: toHost.start, runId, spec: text, paused });
    },
    resume: (runId) => channel.post({ type: toHost.resume, runId }),
    pause: (runId) => channel.post({ type: toHost.pause, runId }),
    step: (runId, fraction = 0.02) => channel.post({ type: toHost.step, runId, fraction }),
    cancel: (runId) => channel.post({ type: toHost.cancel, runId }),
    onUpdate(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    terminate: () => channel.terminate(),
  };
}
