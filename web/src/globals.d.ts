// Globals the page's modules read or set, for tsc --checkJs (npm run test:types).
export {};

declare global {
  /** Defined in a worker (WorkerGlobalScope); the page checks for it before calling. */
  function importScripts(...urls: string[]): void;
  /** Set by bnlab-single.js when loaded as a classic script. */
  var createBnlab: import('./bnlab-module').BnlabFactory | undefined;
  interface Window {
    /** The embedding API of a page that hosts the lab in a frame (embed-demo.js). */
    bnlabHost?: { heights: number[] };
    /** The lab's console handle (main.js). */
    bnlab?: any;
    /** The SCORM 1.2 session when the lab runs in an LMS (scorm.js), else null. */
    bnlabScorm?: ReturnType<typeof import('./scorm.js').startScorm>;
    /** A SCORM 1.2 runtime provided by an LMS (found on a parent or opener, scorm.js). */
    API?: import('./scorm.js').ScormApi;
  }
}
