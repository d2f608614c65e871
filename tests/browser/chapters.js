// The chapters the browser tests visit: the page's own registry (web/src/chapters/index.js), so a
// new chapter is covered by the page and accessibility tests without editing them. Each comes
// with hash settings that keep its run short enough for CI (a chapter not named below runs its
// preset) and, when it needs a data file the wasm build writes, why it cannot run without it.
import fs from 'node:fs';
import { chapters } from '../../web/src/chapters/index.js';

const shorter = { regularization: 'seeds=1&epochs=100', images: 'steps=250' };
const dataFiles = { images: 'fashion-mnist-subset.bin' };  // web/generated/, scripts/build-data.mjs

// [{ id, settings, missing }]: missing is null, or the reason the chapter cannot run here.
export const testedChapters = chapters.map((c) => {
  const file = dataFiles[c.id];
  const present = !file || fs.existsSync(new URL(`../../web/generated/${file}`, import.meta.url));
  return {
    id: c.id,
    settings: shorter[c.id] ?? '',
    missing: present ? null : `web/generated/${file} is missing: install dataset-fashion-mnist (bash scripts/setup.sh) and build the wasm`,
  };
});
export const chapterCount = chapters.length;
