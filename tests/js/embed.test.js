// Page options of the URL and the Embed dialog's snippet, as plain functions.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readPageOptions, writePageOptions } from '../../web/src/embed.js';
import { embedSnippet, embedUrl } from '../../web/src/ui/embed-dialog.js';

test('page options are taken out of the hash params; bad values are reported by name and fall back', () => {
  const { options, rest, problems } = readPageOptions([['inspect', '256'], ['nav', '0'], ['controls', 'lock']]);
  assert.deepEqual(options, { nav: '0', controls: 'lock', predict: 'ask' });
  assert.deepEqual(rest, [['inspect', '256']]);
  assert.deepEqual(problems, []);
  const bad = readPageOptions([['controls', 'banana'], ['nav', '2']]);
  assert.deepEqual(bad.options, { nav: '1', controls: 'show', predict: 'ask' });
  assert.deepEqual(bad.problems, [
    'page option controls "banana" must be one of show, lock, hide; using show',
    'page option nav "2" must be one of 1, 0; using 1',
  ]);
  assert.equal(writePageOptions({ nav: '0', controls: 'show' }), 'nav=0');
  assert.equal(writePageOptions({ nav: '1', controls: 'show' }), '');
});

test('a param named like an inherited property (toString, constructor) is the chapter\'s, not a page option', () => {
  // Before the own-key check, pageOptionSpecs.toString was taken for a spec and reading it threw.
  const { options, rest, problems } = readPageOptions([['toString', '1'], ['constructor', 'x'], ['nav', '0']]);
  assert.deepEqual(options, { nav: '0', controls: 'show', predict: 'ask' });
  assert.deepEqual(rest, [['toString', '1'], ['constructor', 'x']]);
  assert.deepEqual(problems, []);
});

test('the snippet is a titled, sized, sandboxed iframe whose address carries the state and options', () => {
  const url = embedUrl({ base: 'https://example.org/bnlab/index.html', chapter: 'noise', query: 'inspect=256&seed=2', nav: '0', controls: 'hide' });
  assert.equal(url, 'https://example.org/bnlab/index.html#noise?inspect=256&seed=2&nav=0&controls=hide');
  const html = embedSnippet({ url, title: 'BN Lab, chapter 3a: "Noise"', height: 900 });
  assert.match(html, /^<iframe src="https:\/\/example\.org\/bnlab\/index\.html#noise\?inspect=256&amp;seed=2&amp;nav=0&amp;controls=hide" /);
  assert.match(html, / title="BN Lab, chapter 3a: &quot;Noise&quot;" width="100%" height="900" /);
  assert.match(html, / sandbox="allow-scripts allow-downloads" /);
  assert.match(embedSnippet({ url, title: 't', downloads: false }), / sandbox="allow-scripts" /);
});
